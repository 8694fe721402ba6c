import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import { SlashbuildError } from "../../core/errors.js";
import { py } from "./python-literal.js";

/**
 * The master.cfg part that faces the network: the www service (REST API, change hook, login), who
 * may use it, and where it and the worker port listen. slashbuild refuses a build's log to anyone
 * not signed in; the master holds the same logs, so it serves them to slashbuild's user only.
 */

/** The role slashbuild's user has on the generated master; nobody else has any. */
const SLASHBUILD_ROLE = "slashbuild";

/** Where the www port listens when the config does not say: this machine only. */
const LOOPBACK = "127.0.0.1";

export function generateWwwSection(bb: BuildbotConfig, port: number): string {
  const users = { [bb.username]: bb.password };
  return `
# The REST API, the change hook and /auth/login live in the www service. On Debian it also needs a
# www plugin named "base" (the UI package is not packaged there): see slashbuild's README.
_change_hook_users = InMemoryUsernamePasswordDatabaseDontUse()
_change_hook_users.addUser(${py(bb.username)}.encode(), ${py(bb.password)}.encode())
c["www"] = {
    # ${bb.wwwInterface === null ? "This machine only, unless buildbot.www_interface says otherwise." : "buildbot.www_interface."}
    "port": ${py(strport(port, wwwInterfaceOf(bb)))},
    "plugins": {},
    "auth": util.UserPasswordAuth(${py(users)}),
    # Reads and control alike (builds, steps, properties, logs, force, stop) only for slashbuild's
    # user: AnyEndpointMatcher matches every endpoint and, with defaultDeny, answers anyone else 403.
    "authz": util.Authz(
        allowRules=[util.AnyEndpointMatcher(role=${py(SLASHBUILD_ROLE)}, defaultDeny=True)],
        roleMatchers=[util.RolesFromUsername(roles=[${py(SLASHBUILD_ROLE)}], usernames=[${py(bb.username)}])],
    ),
    "change_hook_dialects": {"base": True},
    # Without this anyone who can reach the master could post changes and start builds.
    "change_hook_auth": [_change_hook_users],
}


# Buildbot streams its message queue (builds, steps, properties and changes as they happen) over
# /ws and /sse without asking authz, by design (buildbot/buildbot#5212). slashbuild uses neither:
# this master answers both 403.
def _without_event_streams(setup_site):
    from twisted.web.resource import ForbiddenResource

    def setupSite(self, new_config):
        setup_site(self, new_config)
        for name in (b"ws", b"sse"):
            self.root.putChild(name, ForbiddenResource("this master serves no event streams"))

    setupSite.slashbuild = True
    return setupSite


from buildbot.www import service as _www_service

if not getattr(_www_service.WWWService.setupSite, "slashbuild", False):
    _www_service.WWWService.setupSite = _without_event_streams(_www_service.WWWService.setupSite)
`;
}

/** The worker (PB) port: every interface unless buildbot.worker_interface says (workers are usually other machines). */
export function workerPort(bb: BuildbotConfig): number | string {
  return bb.workerInterface === null ? bb.workerPort : strport(bb.workerPort, bb.workerInterface);
}

/** A Twisted strports description listening on one address; an IPv6 address's colons are escaped. */
function strport(port: number, address: string): string {
  return address.includes(":")
    ? `tcp6:${port}:interface=${address.replaceAll(":", "\\:")}`
    : `tcp:${port}:interface=${address}`;
}

/**
 * The www port's address. Left unsaid, it is loopback: the loopback address buildbot.url names, or
 * 127.0.0.1 for `localhost`. A url naming another host means slashbuild runs elsewhere and could
 * not reach a loopback-only master: say so now rather than write a master slashbuild cannot reach.
 */
function wwwInterfaceOf(bb: BuildbotConfig): string {
  if (bb.wwwInterface !== null) return bb.wwwInterface;
  const host = new URL(bb.url).hostname;
  if (host === "localhost") return LOOPBACK;
  if (host === "[::1]") return "::1";
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host;
  throw new SlashbuildError(
    "CONFIG_INVALID",
    `buildbot.url points at ${host}, but the generated master listens on ${LOOPBACK} only unless buildbot.www_interface says otherwise: ` +
      "set www_interface to the address slashbuild reaches the master at (0.0.0.0 for every interface), or point url at 127.0.0.1.",
  );
}
