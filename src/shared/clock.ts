/** Time is passed in, never read inside the domain. Tests inject a fixed or shifted clock. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date): void {
    this.current = at;
  }
}

/** Real time, shifted: starts at `at` and runs at the speed of the wall clock (tests that wait for real timers). */
export class ShiftedClock extends Clock {
  private offset: number;
  constructor(at: Date) {
    super();
    this.offset = at.getTime() - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  set(at: Date): void {
    this.offset = at.getTime() - Date.now();
  }
}
