import { setDefaultNetworkPolicy } from '../../src/core/http.js'

// The test servers (fake MCP servers' file servers, fake ComfyUI, fake LM Studio) serve media
// on 127.0.0.1, like a self-hosted setup: allow private download targets in the test processes
// and in the CLI and action processes they start, as KAMUI_ALLOW_PRIVATE_NETWORK=true does on a
// self-hosted runner. The tests of the refusal (test/**/security) set the policy or the
// variable back explicitly.
process.env['KAMUI_ALLOW_PRIVATE_NETWORK'] ??= 'true'
setDefaultNetworkPolicy({ allowPrivate: true })

// The job cache (issue 11) defaults to $RUNNER_TOOL_CACHE when a runner sets it: the tests and the
// CLI processes they start keep no cache across tests unless a test gives cache-folder.
delete process.env['RUNNER_TOOL_CACHE']
