import { describe, expect, it } from "vitest";
import { BuildQueue, type QueueEntry } from "../../../../src/backends/local/build-queue.js";

function entry(buildId: number, repo: string, repoLimit = 1): QueueEntry {
  return { buildId, repo, repoLimit };
}

function ids(entries: readonly QueueEntry[]): number[] {
  return entries.map((e) => e.buildId);
}

describe("BuildQueue", () => {
  it("starts builds in arrival order up to the global limit", () => {
    const queue = new BuildQueue(2);
    for (const [id, repo] of [
      [1, "a"],
      [2, "b"],
      [3, "c"],
    ] as const) {
      queue.enqueue(entry(id, repo));
    }
    expect(ids(queue.takeRunnable())).toEqual([1, 2]);
    expect(ids(queue.takeRunnable())).toEqual([]);
    queue.release(1);
    expect(ids(queue.takeRunnable())).toEqual([3]);
  });

  it("runs one build per repo by default and lets other repos overtake a blocked one", () => {
    const queue = new BuildQueue(5);
    queue.enqueue(entry(1, "a"));
    queue.enqueue(entry(2, "a"));
    queue.enqueue(entry(3, "b"));
    queue.enqueue(entry(4, "a"));
    expect(ids(queue.takeRunnable())).toEqual([1, 3]);
    expect(ids(queue.waiting)).toEqual([2, 4]);
    queue.release(1);
    // FIFO within the repo: 2 before 4.
    expect(ids(queue.takeRunnable())).toEqual([2]);
  });

  it("honours a per-repo limit above one", () => {
    const queue = new BuildQueue(10);
    for (const id of [1, 2, 3, 4]) queue.enqueue(entry(id, "a", 3));
    expect(ids(queue.takeRunnable())).toEqual([1, 2, 3]);
    queue.release(2);
    expect(ids(queue.takeRunnable())).toEqual([4]);
  });

  it("applies the global limit across repos", () => {
    const queue = new BuildQueue(1);
    queue.enqueue(entry(1, "a"));
    queue.enqueue(entry(2, "b"));
    expect(ids(queue.takeRunnable())).toEqual([1]);
    expect(ids(queue.running)).toEqual([1]);
    queue.release(1);
    expect(ids(queue.takeRunnable())).toEqual([2]);
  });

  it("removes only waiting builds", () => {
    const queue = new BuildQueue(1);
    queue.enqueue(entry(1, "a"));
    queue.enqueue(entry(2, "b"));
    queue.takeRunnable();
    expect(queue.remove(1)).toBeUndefined();
    expect(queue.remove(2)?.buildId).toBe(2);
    expect(queue.has(2)).toBe(false);
    queue.release(1);
    expect(queue.takeRunnable()).toEqual([]);
  });

  it("ignores a build that is already queued or running", () => {
    const queue = new BuildQueue(3);
    queue.enqueue(entry(1, "a", 2));
    queue.takeRunnable();
    queue.enqueue(entry(1, "a", 2));
    expect(queue.takeRunnable()).toEqual([]);
  });

  it("drains the waiting list and frees released slots", () => {
    const queue = new BuildQueue(1);
    queue.enqueue(entry(1, "a"));
    queue.enqueue(entry(2, "a"));
    queue.takeRunnable();
    expect(ids(queue.drain())).toEqual([2]);
    queue.release(1);
    queue.release(1);
    queue.enqueue(entry(3, "a"));
    expect(ids(queue.takeRunnable())).toEqual([3]);
  });
});

describe("BuildQueue at depth", () => {
  it("keeps FIFO across repos when a deep backlog of one repo is blocked", () => {
    const queue = new BuildQueue(3);
    for (let id = 1; id <= 5000; id++) queue.enqueue(entry(id, "deep"));
    queue.enqueue(entry(5001, "other"));
    queue.enqueue(entry(5002, "third"));
    // deep's first build takes its only slot; the two other repos overtake the rest of its line.
    expect(ids(queue.takeRunnable())).toEqual([1, 5001, 5002]);
    expect(queue.waitingCount).toBe(4999);
    expect(queue.isWaiting(2)).toBe(true);
    expect(queue.isWaiting(1)).toBe(false);
    expect(queue.has(1)).toBe(true);
    expect(queue.remove(3000)?.buildId).toBe(3000);
    expect(queue.isWaiting(3000)).toBe(false);
    queue.release(1);
    expect(ids(queue.takeRunnable())).toEqual([2]);
    expect(queue.waitingCount).toBe(4997);
  });

  it("takes the oldest head first when several repos free up at once", () => {
    const queue = new BuildQueue(1);
    queue.enqueue(entry(1, "a"));
    queue.enqueue(entry(2, "b"));
    queue.enqueue(entry(3, "a"));
    queue.enqueue(entry(4, "b"));
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next] = queue.takeRunnable();
      if (next) {
        order.push(next.buildId);
        queue.release(next.buildId);
      }
    }
    expect(order).toEqual([1, 2, 3, 4]);
  });
});
