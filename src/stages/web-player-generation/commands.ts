import path from 'node:path'
import type { StageCommand } from '../../core/stage-command.js'
import { posixRelative } from '../../output/web/media-files.js'
import { parseWebPlayerInputs } from './inputs.js'
import { runWebPlayer, type WebPlayerResult } from './run.js'
import { WEB_PLAYER_INPUTS, WEB_PLAYER_OUTPUTS } from './spec.js'

/** The action outputs of a finished run; `web-player-path` is relative to the workspace. */
export function webPlayerOutputs(
  result: WebPlayerResult,
  workspace: string,
): Record<string, string> {
  return {
    'web-player-created': 'true',
    'web-player-url': result.url,
    'docs-deployed': String(result.docsDeployed),
    'web-player-path': posixRelative(workspace, result.page),
  }
}

/** `web-player-generation`: the legacy interface (SPEC §4) plus report, videos, music and PLY inputs. */
export const webPlayerGenerationCommand: StageCommand = {
  name: 'web-player-generation',
  description:
    'Build the web player of a run from a template: image gallery with models and scores, videos, music, a three.js ' +
    'point-cloud viewer and the generation report; copied to docs/{folder}/ and listed in docs/index.html.',
  inputs: WEB_PLAYER_INPUTS,
  outputs: WEB_PLAYER_OUTPUTS,
  async run(raw, context) {
    const result = await runWebPlayer(parseWebPlayerInputs(raw), context)
    return {
      outputs: webPlayerOutputs(result, context.workspace),
      summary: summaryMarkdown(result, context.workspace),
      folder: result.folder,
    }
  },
}

function summaryMarkdown(result: WebPlayerResult, workspace: string): string {
  const m = result.media
  const shown = [
    `${m.images.length} image(s)`,
    `${m.clips.length} clip(s)`,
    m.final ? 'the final video' : '',
    m.music ? 'music' : '',
    m.ply ? `a point cloud of ${m.ply.header.vertices} points` : '',
    m.report ? 'the generation report' : '',
  ].filter((s) => s !== '')
  return [
    '### Web player',
    '',
    `Page: \`${posixRelative(workspace, result.page)}\`${result.docsPage ? `, copy: \`${posixRelative(workspace, result.docsPage)}\`` : ''}.`,
    `URL: ${result.url}`,
    `Shows ${shown.join(', ')}.${result.preview ? ' **Preview output** is labelled as such on the page.' : ''}`,
    ...(result.runsIndex
      ? [
          `Runs page: \`${posixRelative(workspace, result.runsIndex)}\`` +
            (path.basename(result.runsIndex) === 'index.html'
              ? '.'
              : ` (the docs folder's index.html was not written by kamui and is left as it is).`),
        ]
      : []),
  ].join('\n')
}
