import type { Artifact, ArtifactMetadata } from '../../../src/contracts/telemetry.js'

/** A complete, valid artifact record (an image made by a hosted MCP model). */
export function validArtifact(overrides: Partial<Artifact> = {}): Artifact {
  return {
    path: 'images/generated-image-1.png',
    sha256: 'a'.repeat(64),
    bytes: 1234,
    media_type: 'image/png',
    width: 1024,
    height: 768,
    frames: null,
    duration_s: null,
    model: {
      alias: 'imagen4-fast',
      provider: 'mcp',
      server: 't2i-kamui-imagen4-fast',
      tool: 'imagen4_fast_submit',
      workflow: null,
    },
    timings: { queue_wait_ms: 5, generation_ms: 4200, download_ms: 310, total_ms: 4520 },
    attempts: 2,
    retries: 1,
    errors: [{ code: 'IMG_006', message: 'rate limited' }],
    gpu_memory: null,
    done_marker: null,
    cost: { usd: 0.02, basis: 'priceUsd of imagen4-fast in the model registry' },
    preview: false,
    ...overrides,
  }
}

/** A complete, valid telemetry file with one artifact. */
export function validMetadata(overrides: Partial<ArtifactMetadata> = {}): ArtifactMetadata {
  return {
    schema_version: 1,
    stage: 'image-generation-v2',
    run: {
      id: '1234567890',
      workflow: 'Music video',
      job: 'images',
      commit: '0123456789abcdef0123456789abcdef01234567',
      attempt: 1,
      repository: 'owner/repo',
      started_at: '2025-11-13T09:30:00.000Z',
      ended_at: '2025-11-13T09:30:05.500Z',
      duration_ms: 5500,
    },
    artifacts: [validArtifact()],
    errors: [],
    ...overrides,
  }
}
