/**
 * Which builds may run now. A global limit (runner.concurrency) and a per-repo limit (the repo's
 * `concurrency`, default 1); first come, first served, except that a build whose repo is at its
 * limit lets later builds of other repos go ahead instead of blocking the whole queue.
 */

export interface QueueEntry {
  readonly buildId: number;
  readonly repo: string;
  /** How many builds of this repo may run at once. */
  readonly repoLimit: number;
}

export class BuildQueue<T extends QueueEntry> {
  readonly #globalLimit: number;
  readonly #waiting: T[] = [];
  readonly #running = new Map<number, T>();
  readonly #runningPerRepo = new Map<string, number>();

  constructor(globalLimit: number) {
    this.#globalLimit = Math.max(1, globalLimit);
  }

  enqueue(entry: T): void {
    if (this.has(entry.buildId)) return;
    this.#waiting.push(entry);
  }

  has(buildId: number): boolean {
    return this.#running.has(buildId) || this.#waiting.some((entry) => entry.buildId === buildId);
  }

  isWaiting(buildId: number): boolean {
    return this.#waiting.some((entry) => entry.buildId === buildId);
  }

  /** Takes a waiting build out of the queue; undefined when it is not waiting (running or unknown). */
  remove(buildId: number): T | undefined {
    const index = this.#waiting.findIndex((entry) => entry.buildId === buildId);
    if (index === -1) return undefined;
    return this.#waiting.splice(index, 1)[0];
  }

  /** Marks every build that may start now as running and returns them, oldest first. */
  takeRunnable(): T[] {
    const taken: T[] = [];
    for (let i = 0; i < this.#waiting.length && this.#running.size < this.#globalLimit; ) {
      const entry = this.#waiting[i] as T;
      if ((this.#runningPerRepo.get(entry.repo) ?? 0) >= entry.repoLimit) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
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
    return this.#waiting.splice(0, this.#waiting.length);
  }

  get waiting(): readonly T[] {
    return [...this.#waiting];
  }

  get running(): readonly T[] {
    return [...this.#running.values()];
  }
}
