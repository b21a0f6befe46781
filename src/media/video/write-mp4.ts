import { writeAtomically } from './encode.js'
import type { FfmpegTools } from './ffmpeg.js'
import { runTool } from './run-tool.js'

/**
 * Runs ffmpeg quietly (errors only, no stdin, overwriting) with `args` (inputs, filters,
 * mappings and output codec arguments) and writes the result as MP4 to `output` atomically: under
 * a temporary name next to it, renamed into place once ffmpeg succeeds.
 *
 * @throws KamuiError VID_002 when ffmpeg fails; the signal's reason when aborted
 */
export async function writeMp4WithFfmpeg(
  tools: FfmpegTools,
  output: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await writeAtomically(output, (temp) =>
    runTool(
      tools.ffmpeg,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, '-f', 'mp4', temp],
      'ffmpeg',
      signal ? { signal } : {},
    ),
  )
}
