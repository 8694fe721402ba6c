import { describe, expect, it } from "vitest";
import type { Build } from "../../../../src/core/build.js";
import { webPasswordUser } from "../../../../src/core/chat-command.js";
import {
  APPROVAL_RULES,
  type ApprovalRule,
  currentButton,
  notTheRequester,
} from "../../../../src/core/deploys/approval-rules.js";
import type { DecisionRequest } from "../../../../src/core/deploys/deploy-service.js";
import {
  alice,
  bob,
  carol,
  dave,
  deployConfig,
  deployHarness,
  SHA_A,
} from "../../../helpers/deploy-harness.js";
import { makeConfig } from "../../../helpers/make-config.js";

/**
 * Issue 20: approvals cannot be forged. Each attack runs twice: against every rule (refused), and
 * with the one defence that stops it taken away (it succeeds: the deploy is approved and runs),
 * so each rule is shown to be what stops its attack. The same attacks through the whole service in
 * bot mode (buttons, Mattermost's user lookup) are in test/integration/deploys/bot-approvals.test.ts.
 */

const without = (name: string): readonly ApprovalRule[] =>
  APPROVAL_RULES.filter((rule) => rule.name !== name);

/** The naive check a defence by name would be: the requester typing under another name gets through. */
const notTheRequesterByName: ApprovalRule = {
  name: "not-the-requester",
  check: (attempt, access) =>
    attempt.user.name === attempt.deploy.requester ? notTheRequester.check(attempt, access) : null,
};

function setUp(rules?: readonly ApprovalRule[]) {
  const config = deployConfig(
    { production: { branches: ["main"], approvals: 1, approvers: ["bob", "carol"] } },
    { channels: ["ci"] },
  );
  const t = deployHarness(config, rules ? { rules } : {});
  t.built("main", SHA_A);
  const { deploy } = t.request();
  return { t, number: deploy.buildId };
}

/** An attack by one decision on setUp's waiting deploy: run it against `rules` (default: all of them). */
function decisionBy(changes: Partial<DecisionRequest>) {
  return (rules?: readonly ApprovalRule[]) => {
    const { t, number } = setUp(rules);
    return { t, number, run: () => t.decide(number, changes) };
  };
}

describe("approvals cannot be forged", () => {
  it("a replayed button (round of an older post) is refused; without the round check it approves", () => {
    // approvals: 2 so that the deploy still waits after bob's approval (round 0 → 1).
    const attack = (rules?: readonly ApprovalRule[]) => {
      const config = deployConfig({
        production: { branches: ["main"], approvals: 2, approvers: ["bob", "carol", "dave"] },
      });
      const t = deployHarness(config, rules ? { rules } : {});
      t.built("main", SHA_A);
      const { deploy } = t.request();
      t.decide(deploy.buildId, { via: "button", round: 0 });
      // Bob's captured click (round 0) replayed with carol's id: Mattermost does not sign the clicker.
      return {
        t,
        replay: () => t.decide(deploy.buildId, { user: carol, via: "button", round: 0 }),
        number: deploy.buildId,
      };
    };
    const defended = attack();
    expect(() => defended.replay()).toThrow(expect.objectContaining({ code: "APPROVAL_STALE" }));
    expect(defended.t.deploys.get(defended.number)?.state).toBe("awaiting_approval");
    const open = attack(without(currentButton.name));
    expect(open.replay().deploy.state).toBe("deploying");
  });

  it("a clicker who is not an approver is refused; without the approver rule they approve", () => {
    const attack = decisionBy({ user: dave, via: "button", round: 0 });
    const defended = attack();
    expect(() => defended.run()).toThrow(expect.objectContaining({ code: "NOT_PERMITTED" }));
    expect(defended.t.deploys.get(defended.number)?.decisions).toEqual([]);
    expect(attack(without("an-approver")).run().deploy.state).toBe("deploying");
  });

  it("the requester under another name (alice renamed to bob) is refused by id; a check by name lets her through", () => {
    const renamed = { id: alice.id, name: "bob" };
    const attack = decisionBy({ user: renamed });
    const defended = attack();
    expect(() => defended.run()).toThrow(expect.objectContaining({ code: "APPROVAL_OWN_DEPLOY" }));
    const byName = APPROVAL_RULES.map((rule) =>
      rule.name === notTheRequester.name ? notTheRequesterByName : rule,
    );
    expect(attack(byName).run().deploy.state).toBe("deploying");
  });

  it("a typed approval from a channel where the repo may not be built is refused; without the channel rule it approves", () => {
    const elsewhere = { id: "chan-random", name: "random" };
    const attack = decisionBy({ channel: elsewhere });
    const defended = attack();
    expect(() => defended.run()).toThrow(expect.objectContaining({ code: "CHANNEL_NOT_ALLOWED" }));
    expect(attack(without("from-allowed-channel")).run().deploy.state).toBe("deploying");
  });

  it("the requester signed in on the web with a password under another name is refused; without the rule she approves", () => {
    // alice asked in chat (id uid-alice); the admin gave her a web password account "ally".
    const ally = webPasswordUser("ally");
    const attack = (rules?: readonly ApprovalRule[]) => {
      const config = deployConfig({
        production: { branches: ["main"], approvals: 1, approvers: ["bob", "ally"] },
      });
      const t = deployHarness(config, rules ? { rules } : {});
      t.built("main", SHA_A);
      const { deploy } = t.request();
      return {
        t,
        number: deploy.buildId,
        run: () => t.decide(deploy.buildId, { user: ally, channel: null, via: "web" }),
      };
    };
    const defended = attack();
    expect(() => defended.run()).toThrow(expect.objectContaining({ code: "APPROVAL_IDENTITY_UNVERIFIED" }));
    expect(defended.t.deploys.get(defended.number)?.decisions).toEqual([]);
    expect(attack(without("a-chat-identity")).run().deploy.state).toBe("deploying");
  });

  describe("an auto deploy: the people behind its push decide nothing on it", () => {
    const push = (pusherLogin: string, authorEmail: string): Build["trigger"] => ({
      kind: "push",
      forge: "github",
      pusher: pusherLogin,
      pusherLogin,
      commits: [{ sha: SHA_A, title: "Ship it", authorName: "Someone", authorEmail }],
      totalCommits: 1,
      compareUrl: null,
      tag: false,
    });
    const attack = (trigger: Build["trigger"], decider: typeof bob, rules?: readonly ApprovalRule[]) => {
      const config = makeConfig({
        mattermost: { token: "t", admins: ["root"] },
        forges: { github: { mattermost_users: { "carol@example.com": "carol" } } },
        repos: {
          app: {
            url: "/x",
            forge: "github",
            commands: ["make test"],
            deploy: {
              commands: ["make deploy"],
              environments: {
                production: { branches: ["main"], auto: true, approvals: 1, approvers: ["bob", "carol"] },
              },
            },
          },
        },
      });
      const t = deployHarness(config, rules ? { rules } : {});
      t.built("main", SHA_A, "succeeded", trigger);
      const waiting = t.deploys.reads.environments("app", null)[0]?.waiting;
      if (!waiting) throw new Error("the green push was not deployed automatically");
      return {
        t,
        number: waiting.buildId,
        run: () => t.decide(waiting.buildId, { user: decider }),
      };
    };

    it("the pusher (Git-host login bob, chat user bob) is refused; without the rule bob approves his own push", () => {
      const defended = attack(push("bob", "bob@example.com"), bob);
      expect(() => defended.run()).toThrow(expect.objectContaining({ code: "APPROVAL_OWN_DEPLOY" }));
      expect(defended.t.deploys.get(defended.number)?.decisions).toEqual([]);
      expect(
        attack(push("bob", "bob@example.com"), bob, without("not-behind-the-push")).run().deploy.state,
      ).toBe("deploying");
    });

    it("a commit author mapped by forges.github.mattermost_users (carol) is refused; someone else approves", () => {
      const defended = attack(push("dave-gh", "Carol@Example.com"), carol);
      expect(() => defended.run()).toThrow(expect.objectContaining({ code: "APPROVAL_OWN_DEPLOY" }));
      expect(
        attack(push("dave-gh", "carol@example.com"), carol, without("not-behind-the-push")).run().deploy
          .state,
      ).toBe("deploying");
      expect(attack(push("dave-gh", "carol@example.com"), bob).run().deploy.state).toBe("deploying");
    });
  });

  it("the rules are these, in this order (a rule added later needs its attack here)", () => {
    // still-open and once-per-person: test/unit/core/deploys/deploy-service.test.ts (expiry, twice by bob).
    expect(APPROVAL_RULES.map((rule) => rule.name)).toEqual([
      "still-open",
      "current-button",
      "from-allowed-channel",
      "a-chat-identity",
      "not-the-requester",
      "not-behind-the-push",
      "an-approver",
      "once-per-person",
    ]);
  });
});
