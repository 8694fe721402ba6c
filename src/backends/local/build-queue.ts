/**
 * Which builds may run now. A global limit (runner.concurrency) and a per-repo limit (the repo's
 * `concurrency`, default 1); first come, first served, except that a build whose repo is at its
 * limit lets later builds of other repos go ahead instead of blocking the whole queue.
 *
 * Every operation on the acknowledgement path costs the same at any queue depth: waiting builds are
 * kept per repo in insertion-ordered Maps (O(1) lookup and removal), and `takeRunnable` looks only
 * at the head of each repo's line, so a deep backlog of one blocked repo is never walked (a profile
 * of `serve` under load showed the old array walk growing with the queue).
 */

export interface QueueEntry {
  readonly buildId: number;
  readonly repo: string;
  /** How many builds of this repo may run at once. */
  readonly repoLimit: number;
}

interface Waiting<T> {
  readonly entry: T;
  /** Arrival order across repos. */
  readonly seq: number;
}

export class BuildQueue<T extends QueueEntry> {
  readonly #globalLimit: number;
  /** Per repo, its waiting builds in arrival order (Map iteration order is insertion order). */
  readonly #waiting = new Map<string, Map<number, Waiting<T>>>();
  /** buildId → repo of every waiting build. */
  readonly #waitingRepo = new Map<number, string>();
  readonly #running = new Map<number, T>();
  readonly #runningPerRepo = new Map<string, number>();
  #seq = 0;

  constructor(globalLimit: number) {
    this.#globalLimit = Math.max(1, globalLimit);
  }

  enqueue(entry: T): void {
    if (this.has(entry.buildId)) return;
    let line = this.#waiting.get(entry.repo);
    if (!line) {
      line = new Map();
      this.#waiting.set(entry.repo, line);
    }
    line.set(entry.buildId, { entry, seq: this.#seq++ });
    this.#waitingRepo.set(entry.buildId, entry.repo);
  }

  has(buildId: number): boolean {
    return this.#running.has(buildId) || this.#waitingRepo.has(buildId);
  }

  isWaiting(buildId: number): boolean {
    return this.#waitingRepo.has(buildId);
  }

  get waitingCount(): number {
    return this.#waitingRepo.size;
  }

  /** Takes a waiting build out of the queue; undefined when it is not waiting (running or unknown). */
  remove(buildId: number): T | undefined {
    const repo = this.#waitingRepo.get(buildId);
    if (repo === undefined) return undefined;
    const line = this.#waiting.get(repo);
    const waiting = line?.get(buildId);
    line?.delete(buildId);
    if (line?.size === 0) this.#waiting.delete(repo);
    this.#waitingRepo.delete(buildId);
    return waiting?.entry;
  }

  /** Marks every build that may start now as running and returns them, oldest first. */
  takeRunnable(): T[] {
    const taken: T[] = [];
    while (this.#running.size < this.#globalLimit) {
      // The oldest head among repos below their limit: O(number of repos), not of waiting builds.
      let next: Waiting<T> | undefined;
      for (const [repo, line] of this.#waiting) {
        const head = line.values().next().value as Waiting<T>;
        if ((this.#runningPerRepo.get(repo) ?? 0) >= head.entry.repoLimit) continue;
        if (!next || head.seq < next.seq) next = head;
      }
      if (!next) break;
      const { entry } = next;
      this.remove(entry.buildId);
      this.#running.set(entry.buildId, entry);
      this.#runningPerRepo.set(entry.repo, (this.#runningPerRepo.get(entry.repo) ?? 0) + 1);
      taken.push(entry);
    }
    return taken;
  }

  /** A running build ended: frees its slots. */
  release(buildId: number): void {
    const entry = this.#running.get(buildId);
    if (!entry) return;
    this.#running.delete(buildId);
    const left = (this.#runningPerRepo.get(entry.repo) ?? 1) - 1;
    if (left > 0) this.#runningPerRepo.set(entry.repo, left);
    else this.#runningPerRepo.delete(entry.repo);
  }

  /** Empties the waiting list (on close); running builds keep their slots until released. */
  drain(): T[] {
    const all = this.waiting;
    this.#waiting.clear();
    this.#waitingRepo.clear();
    return [...all];
  }

  /** Every waiting build, oldest first (diagnostics and tests: sorts the whole queue). */
  get waiting(): readonly T[] {
    return [...this.#waiting.values()]
      .flatMap((line) => [...line.values()])
      .sort((a, b) => a.seq - b.seq)
      .map((w) => w.entry);
  }

  get running(): readonly T[] {
    return [...this.#running.values()];
  }

  /** The running build with this id, if any. */
  runningEntry(buildId: number): T | undefined {
    return this.#running.get(buildId);
  }
}
