export { DAEMON_MAIN, startDaemon, type DaemonProcess, type StartOptions } from './daemon-process';
export { freePort } from './free-port';
export { cdf, median, percentile, round, summarize, type LagSummary } from './stats';
export { stackEnv, type StackEnv } from './stack-env';
