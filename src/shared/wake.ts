/** A sleep that an append (or a stop) cuts short; a poke while awake makes the next sleep return at once. */
export class Wake {
  private poked = false;
  private wakeUp: (() => void) | null = null;

  reset(): void {
    this.poked = false;
  }

  poke(): void {
    this.poked = true;
    this.wakeUp?.();
  }

  sleep(ms: number, running: boolean): Promise<void> {
    if (this.poked || !running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

/** How long a reader held back by an append in flight waits before it looks again: 20 ms, doubling to 1 s. */
export class HeldBackDelay {
  private ms = 0;

  next(): number {
    this.ms = this.ms ? Math.min(1000, this.ms * 2) : 20;
    return this.ms;
  }

  reset(): void {
    this.ms = 0;
  }
}
