import type { StageCommand } from '../../core/stage-command.js'
import { posixRelative } from '../../output/web/media-files.js'
import { parseViewerInputs } from './inputs.js'
import { runViewer } from './run.js'
import { VIEWER_INPUTS, VIEWER_OUTPUTS } from './spec.js'

/** `threejs-pointcloud-viewer`: the legacy viewer interface (SPEC §4). */
export const threejsPointcloudViewerCommand: StageCommand = {
  name: 'threejs-pointcloud-viewer',
  description:
    'Build a three.js point-cloud viewer page for a PLY file (orbit controls, auto-rotate, point size, optional music), ' +
    'with three.js served from the page folder.',
  inputs: VIEWER_INPUTS,
  outputs: VIEWER_OUTPUTS,
  async run(raw, context) {
    const result = await runViewer(parseViewerInputs(raw), context)
    const page = posixRelative(context.workspace, result.page)
    return {
      outputs: {
        'viewer-completed': 'true',
        'viewer-path': page,
        'assets-count': String(result.assets.length),
      },
      summary:
        `### Point-cloud viewer\n\n\`${page}\`: ${result.header.vertices} points` +
        `${result.header.hasColor ? ' with colours' : ''}, ${result.assets.length} asset files` +
        `${result.preview ? ' (**preview output**: the point cloud came from the offline preview server)' : ''}.`,
      folder: result.folder,
    }
  },
}
