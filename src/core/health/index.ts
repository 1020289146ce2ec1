// Health checks, readiness checks and generalized checks (no Mesos types: the front ends convert into these specs).
export type { CheckSpec, CheckStatus, HealthCheckSpec, Probe, ProbeKind, ProbeResult } from "./checkSpec.js";
export { MESOS_CHECK_DEFAULTS, MESOS_HEALTH_DEFAULTS } from "./checkSpec.js";
export { Checker, type CheckerOptions } from "./checker.js";
export { systemClock, type Clock } from "./clock.js";
export { HealthChecker, type HealthCheckerOptions, type HealthEvent } from "./healthChecker.js";
export { InvalidCheckSpecError, ProbeTimeoutError } from "./healthErrors.js";
export { describeProbe } from "./probeResult.js";
export { runProbe, type ProbeRunner, type RunProbeOptions } from "./runProbe.js";
export { validateCheckSpec, validateProbe } from "./validateProbe.js";
