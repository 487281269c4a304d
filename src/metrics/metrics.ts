import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry for the process; /metrics exposes it. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'rectify_' });

export const eventsAppended = new Counter({
  name: 'rectify_events_appended_total',
  help: 'Events appended to the event store by this process',
  registers: [registry],
});

export const appendDuration = new Histogram({
  name: 'rectify_append_duration_seconds',
  help: 'Duration of one appendToStream call',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [registry],
});

export const projectionPosition = new Gauge({
  name: 'rectify_projection_position',
  help: 'Global position of the last event a projection has applied',
  labelNames: ['projection'],
  registers: [registry],
});

export const projectionLag = new Gauge({
  name: 'rectify_projection_lag_events',
  help: 'Committed events a projection has not applied yet (head position minus checkpoint)',
  labelNames: ['projection'],
  registers: [registry],
});

export const projectionErrors = new Counter({
  name: 'rectify_projection_errors_total',
  help: 'Failed projection batches (retried)',
  labelNames: ['projection'],
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'rectify_http_requests_total',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});

export const reminderJobs = new Counter({
  name: 'rectify_reminder_jobs_total',
  help: 'Reminder jobs the scheduler added to or removed from the queue',
  labelNames: ['change'],
  registers: [registry],
});

export const remindersFired = new Counter({
  name: 'rectify_reminders_fired_total',
  help: 'Reminder jobs processed, by outcome: sent (an event was appended), stale (nothing to send), failed (will retry)',
  labelNames: ['outcome'],
  registers: [registry],
});

export const queueJobs = new Gauge({
  name: 'rectify_queue_jobs',
  help: 'Jobs in a queue by state (waiting, delayed, active, failed, completed), read at scrape time',
  labelNames: ['queue', 'state'],
  registers: [registry],
});

/** Refreshers run at scrape time by /metrics (gauges read from a queue or a table). */
export const scrapeHooks = new Set<() => Promise<void>>();

export const webhookAttempts = new Counter({
  name: 'rectify_webhook_attempts_total',
  help: 'Webhook POSTs by outcome: delivered, retry (will be tried again), failed (attempts exhausted), gone (410), disabled',
  labelNames: ['outcome'],
  registers: [registry],
});

export const webhookLatency = new Histogram({
  name: 'rectify_webhook_commit_to_delivery_seconds',
  help: 'From the event being recorded to its successful POST',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  registers: [registry],
});
