/**
 * The command routes of a campaign that the full lifecycle (campaign-lifecycle.e2e-spec.ts) has no occasion for and
 * phases.e2e-spec.ts takes: each suite probes If-Match on the routes it drives (startTestApp's probeIfMatch), and
 * the two together cover every command route of a campaign.
 */
export const PROBED_IN_PHASES = [
  'post /api/v1/campaigns/{id}/self-inspections/{subjectId}/problems/{problemId}/verification',
  'post /api/v1/campaigns/{id}/self-inspections/{subjectId}/accept',
  'post /api/v1/campaigns/{id}/self-inspections/{subjectId}/return',
  'post /api/v1/campaigns/{id}/inspections/{inspectionId}/orders',
  'post /api/v1/campaigns/{id}/inspections/{inspectionId}/orders/{orderId}/rectification',
  'post /api/v1/campaigns/{id}/inspections/{inspectionId}/orders/{orderId}/verification',
];
