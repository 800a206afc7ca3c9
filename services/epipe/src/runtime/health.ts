import type { Health } from './http';
import type { ProgressWatch } from './progress';
import type { DaemonState } from './supervisor';

/**
 * The daemon's answers to Kubernetes. Liveness: the process is not stopped and, when it leads,
 * its pipeline is not stuck (a restart helps then). Readiness: a standby that reaches the server
 * is ready, so a rollout and a node drain can proceed; the leader is ready while it delivers.
 * Leadership itself is a field of /status and the `epipe_leader` gauge, never a probe.
 */
export function daemonHealth(state: DaemonState, progress: ProgressWatch): Health {
  const problem = (): string | null => {
    if (state.phase === 'stopped') return 'stopped';
    return state.leader ? progress.stuck() : null;
  };
  return {
    live: problem,
    ready: () => state.ready,
    status: () => ({ ...state, stalledMs: state.leader ? progress.stalledMs() : 0, stuck: problem() }),
  };
}
