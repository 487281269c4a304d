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
