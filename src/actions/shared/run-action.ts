import * as core from '@actions/core'
import { cancellationSignal } from '../../core/cancellation.js'
import { errorMessage } from '../../core/errors.js'
import { fsError } from '../../core/fs-errors.js'
import type { RawInputs } from '../../core/input-spec.js'
import type { Logger } from '../../core/logger.js'
import { Redactor } from '../../core/redactor.js'
import type { StageCommand } from '../../core/stage-command.js'
import type { StageContext } from '../../core/stage-context.js'
import { VERSION } from '../../core/version.js'
import { networkPolicyFromInputs, setDefaultNetworkPolicy } from '../../core/http.js'
import { registerSecretInput } from '../../providers/mcp/config.js'
import { previewServerLaunch } from '../../providers/preview/launch.js'
import { checkPublishInputs } from '../../output/publish/publish.js'
import {
  jobStartedAt,
  publishStageResults,
  publishSummaryLine,
  type PublishResult,
} from '../../output/publish/index.js'
import { runInfoFromEnv } from '../../output/telemetry/run-info.js'
import { ensureFfmpeg, ensureSharp, registerModelsRuntime } from './runtime.js'
import { runCoordinates, summaryLinks } from './summary-links.js'
import { actionProgress } from './progress.js'
import { parseBooleanInput } from '../../core/parse-input.js'
import { BUNDLED_FFMPEG_ENV } from '../../media/video/ffmpeg.js'

/**
 * The shared body of every action entry (`src/actions/<stage>/main.ts`), after the
 * `actions/typescript-action` template: read the command's inputs with `core.getInput`, mask
 * the secrets, build the {@link StageContext}, run the stage, set the outputs and the job
 * summary. One try/catch turns any error into `core.setFailed` with the error's code and
 * message (secrets redacted).
 */
export async function runAction(command: StageCommand): Promise<void> {
  const redactor = new Redactor()
  redactor.onAdd((secret) => core.setSecret(secret))
  const cancel = cancellationSignal()
  let stopProgress = (): void => undefined
  try {
    const raw: RawInputs = {}
    for (const input of command.inputs) {
      raw[input.name] = core.getInput(input.name)
      if (input.secret)
        registerSecretInput(redactor, input.name, raw[input.name] ?? '', process.env)
    }
    // Fail fast on a publish value that cannot work, before anything is generated.
    checkPublishInputs(raw)
    const since = await jobStartedAt(process.env['RUNNER_TEMP'])
    setDefaultNetworkPolicy(networkPolicyFromInputs(raw, process.env))
    const progress = actionProgress(redactor)
    stopProgress = progress.close
    const context: StageContext = {
      workspace: process.env['GITHUB_WORKSPACE'] || process.cwd(),
      logger: redactor.wrap(actionsLogger),
      redactor,
      env: process.env,
      signal: cancel.signal,
      previewServer: previewServerLaunch(),
      version: VERSION,
      run: runInfoFromEnv(process.env, new Date()),
      progress: progress.hub,
    }
    await ensureSharp(process.env['RUNNER_TOOL_CACHE'], context.logger)
    registerModelsRuntime(process.env['RUNNER_TOOL_CACHE'], context.logger)
    if (command.needs?.includes('ffmpeg')) {
      const ffmpeg = await ensureFfmpeg(
        process.env['RUNNER_TOOL_CACHE'],
        context.env,
        parseBooleanInput(raw, 'allow-bundled-ffmpeg'),
        context.logger,
      )
      if (ffmpeg) context.env = { ...context.env, [BUNDLED_FFMPEG_ENV]: ffmpeg }
    }
    const result = await command.run(raw, context)
    stopProgress()
    for (const [name, value] of Object.entries(result.outputs)) {
      core.setOutput(name, redactor.maskOutput(value))
    }
    let published: PublishResult | undefined
    if (result.folder !== undefined) {
      published = await publishStageResults({
        raw,
        stage: command.name,
        workspace: context.workspace,
        folder: result.folder,
        inActions: process.env['GITHUB_ACTIONS'] === 'true',
        logger: context.logger,
        redactor,
        signal: cancel.signal,
        ...(since !== undefined ? { since } : {}),
      })
    }
    let summary =
      result.summaryWith && result.folder !== undefined
        ? result.summaryWith(
            summaryLinks(published, context.workspace, result.folder, runCoordinates(process.env)),
          )
        : (result.summary ?? '')
    if (published) summary += `${summary === '' ? '' : '\n\n'}${publishSummaryLine(published)}\n`
    if (summary !== '' && process.env['GITHUB_STEP_SUMMARY']) {
      await core.summary.addRaw(redactor.redact(summary), true).write()
    }
  } catch (error) {
    // Operating-system errors become FS_002 with the path (never a bare ENOTDIR).
    core.setFailed(redactor.redact(errorMessage(fsError(error))))
  } finally {
    stopProgress()
    cancel.dispose()
  }
}

const actionsLogger: Logger = {
  debug: (m) => core.debug(m),
  info: (m) => core.info(m),
  warn: (m) => core.warning(m),
  error: (m) => core.error(m),
}
