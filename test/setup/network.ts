import { setDefaultNetworkPolicy } from '../../src/core/http.js'

// The test servers (fake MCP servers' file servers, fake ComfyUI, fake LM Studio) serve media
// on 127.0.0.1, like a self-hosted setup: allow private targets in the test processes, as
// KAMUI_ALLOW_PRIVATE_NETWORK=true does for the action and the CLI. The SSRF tests pass
// `allowPrivateNetwork: false` (or set the policy) explicitly.
setDefaultNetworkPolicy({ allowPrivate: true })
