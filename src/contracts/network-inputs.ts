import type { InputSpec } from '../core/input-spec.js'

/**
 * The download-target input of the stages that fetch model results (image v2, keyframes, video,
 * point cloud, pipeline). Read by the adapters (action entries, CLI), which set the process's
 * network policy (`setDefaultNetworkPolicy` in `src/core/http.ts`) before the stage runs; the
 * environment variable `KAMUI_ALLOW_PRIVATE_NETWORK=true` does the same for the legacy v1 action,
 * whose five inputs stay as they are. Declared here, below the stages, like the publish inputs.
 */
export const NETWORK_INPUTS: readonly InputSpec[] = [
  {
    name: 'allow-private-network',
    default: 'false',
    description:
      'Allow media downloads from loopback, link-local and private addresses (true/false). ' +
      'Default false: a result URL on such an address is refused with NET_001, and every ' +
      'redirect is checked again, so a model answer cannot reach services on the runner’s ' +
      'network. Set true on self-hosted runners whose MCP servers serve media on the local ' +
      'network (the environment variable KAMUI_ALLOW_PRIVATE_NETWORK=true does the same).',
  },
]
