import path from 'node:path'
import { outputUrl } from '../../core/url.js'
import type { ImageGenerationResult } from './run.js'

/**
 * The legacy v1 outputs (SPEC §4): `image-completed`, `google-image-url`, `used-model`.
 *
 * URLs are data (`outputUrl`): a single-line http(s) URL re-serialised with quotes and shell
 * characters percent-encoded, or a `preview://` identifier of preview output (the legacy
 * meaning of `google-image-url` for the offline preview server, SPEC §3.4), or empty.
 *
 * @throws KamuiError URL_001 when a URL is anything else
 */
export function v1Outputs(result: ImageGenerationResult): Record<string, string> {
  return {
    'image-completed': 'true',
    'google-image-url': outputUrl(result.primary.url, 'google-image-url'),
    'used-model': result.primary.model,
  }
}

/**
 * The v2 outputs (SPEC §5). Arrays are compact JSON over the generated images in image order;
 * `primary-image-index` is 0-based into them (the highest-scoring image); `generation-report`
 * is relative to the workspace; `warnings` lists failed images and IMG_004.
 */
export function v2Outputs(
  result: ImageGenerationResult,
  workspace: string,
): Record<string, string> {
  return {
    ...v1Outputs(result),
    'images-completed': String(result.images.length),
    'image-urls': JSON.stringify(result.images.map((i) => outputUrl(i.url, 'image-urls'))),
    'models-used': JSON.stringify(result.images.map((i) => i.model)),
    'generation-report': result.reportPath ? path.relative(workspace, result.reportPath) : '',
    'quality-scores': JSON.stringify(result.images.map((i) => i.quality_score)),
    'primary-image-index': String(result.primaryIndex),
    warnings: JSON.stringify(result.warnings),
  }
}
