/** A resettable signal: `wait` resolves on the next `wake` or after `ms`, whichever comes first. */
export class Waker {
  #wake: (() => void) | null = null;
  #pending = false;

  wake(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
    this.#pending = false;
  }
}
