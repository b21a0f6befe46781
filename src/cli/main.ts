import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Command, Option } from 'commander'
import { ACTION_COMMANDS } from '../commands.js'
import { cancellationSignal } from '../core/cancellation.js'
import { KamuiError, errorMessage } from '../core/errors.js'
import type { RawInputs } from '../core/input-spec.js'
import { Redactor } from '../core/redactor.js'
import { fsError } from '../core/fs-errors.js'
import { networkPolicyFromInputs, setDefaultNetworkPolicy } from '../core/http.js'
import { registerSecretInput } from '../providers/mcp/config.js'
import { checkPublishInputs } from '../output/publish/publish.js'
import type { StageCommand } from '../core/stage-command.js'
import { VERSION } from '../core/version.js'
import { previewServerLaunch } from '../providers/preview/launch.js'
import { publishStageResults } from '../output/publish/index.js'
import { readGitCommit, runInfoFromEnv } from '../output/telemetry/run-info.js'
import { runVerifyTelemetry } from '../output/telemetry/verify-command.js'
import { stderrLogger } from './logger.js'
import { registerLedgerCommands } from './ledger-commands.js'
import { cliProgress } from './progress.js'

interface GlobalFlags {
  json?: boolean
  quiet?: boolean
  verbose?: boolean
}

/**
 * The `kamui` command line: one subcommand per action, named like the action folder, with one
 * flag per action input named exactly like the input (`--image-prompt`, `--image-count`, …).
 * Outputs are printed to stdout as `name=value` lines (or one JSON object with `--json`);
 * logs go to stderr. Exits 1 with `CODE: message` on failure, 2 on a usage error.
 *
 * @param argv full argv (`process.argv`)
 * @returns the exit code
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('kamui')
    .description('Generative-media pipeline stages (the kamui GitHub Actions) on the command line.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
  let exitCode = 0
  for (const command of ACTION_COMMANDS) {
    const sub = program.command(command.name).description(command.description)
    for (const input of command.inputs) {
      const option = new Option(`--${input.name} <value>`, input.description)
      if (input.default !== undefined && input.default !== '') option.default(input.default)
      if (input.required) option.makeOptionMandatory()
      sub.addOption(option)
    }
    sub.option('--json', 'print the outputs as one JSON object')
    sub.option('--quiet', 'print warnings and errors only')
    sub.option('--verbose', 'print debug lines')
    sub.action(async (options: Record<string, string | boolean | undefined>) => {
      exitCode = await runCommand(command, options, sub)
    })
  }
  program
    .command('verify-telemetry')
    .description(
      'Check every metadata/artifact-metadata.json below <folder> against the telemetry contract ' +
        '(SPEC §7) and the files it lists; exits 1 naming each missing or malformed field.',
    )
    .argument('<folder>', 'a stage folder, or a pipeline folder holding several')
    .action(async (folder: string) => {
      exitCode = await runVerifyTelemetry(folder, (line) => process.stdout.write(`${line}\n`))
    })
  registerLedgerCommands(program, (code) => {
    exitCode = code
  })
  try {
    await program.parseAsync(argv)
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode
    return code === 0 ? 0 : 2
  }
  return exitCode
}

async function runCommand(
  command: StageCommand,
  options: Record<string, string | boolean | undefined>,
  sub: Command,
): Promise<number> {
  const flags = options as GlobalFlags
  const redactor = new Redactor()
  const progress = cliProgress(flags.quiet ? { quiet: true } : {}, process.env, (text) =>
    redactor.redact(text),
  )
  const logger = redactor.wrap(
    stderrLogger(
      {
        ...(flags.quiet ? { quiet: true } : {}),
        ...(flags.verbose ? { verbose: true } : {}),
      },
      (line) => progress.writeLine(line),
    ),
  )
  const raw: RawInputs = {}
  for (const input of command.inputs) {
    const option = sub.options.find((o) => o.long === `--${input.name}`)
    const value = option ? options[option.attributeName()] : undefined
    raw[input.name] = typeof value === 'string' ? value : ''
  }
  const cancel = cancellationSignal()
  try {
    for (const input of command.inputs.filter((i) => i.secret)) {
      raw[input.name] = await secretInput(input.name, raw[input.name] ?? '', process.env)
      registerSecretInput(redactor, input.name, raw[input.name] ?? '', process.env)
    }
    // Fail fast on a publish value that cannot work, before anything is generated.
    checkPublishInputs(raw)
    setDefaultNetworkPolicy(networkPolicyFromInputs(raw, process.env))
    const result = await command.run(raw, {
      workspace: process.cwd(),
      logger,
      redactor,
      env: process.env,
      signal: cancel.signal,
      previewServer: previewServerLaunch(),
      version: VERSION,
      run: runInfoFromEnv(process.env, new Date(), { commit: await readGitCommit(process.cwd()) }),
      progress: progress.hub,
    })
    progress.close()
    if (result.folder !== undefined) {
      // The CLI never runs inside Actions: `auto` publishes nothing, `--publish commit` pushes.
      await publishStageResults({
        raw,
        stage: command.name,
        workspace: process.cwd(),
        folder: result.folder,
        inActions: false,
        logger,
        redactor,
        signal: cancel.signal,
      })
    }
    const outputs = Object.fromEntries(
      Object.entries(result.outputs).map(([k, v]) => [k, redactor.maskOutput(v)]),
    )
    if (flags.json) process.stdout.write(`${JSON.stringify(outputs, null, 2)}\n`)
    else
      for (const [name, value] of Object.entries(outputs))
        process.stdout.write(`${name}=${value}\n`)
    return 0
  } catch (error) {
    const coded = fsError(error)
    const message = coded instanceof KamuiError ? coded.message : `GEN_001: ${errorMessage(coded)}`
    process.stderr.write(`${redactor.redact(message)}\n`)
    return 1
  } finally {
    progress.close()
    cancel.dispose()
  }
}

/**
 * A secret input (`mcp-config`, `oauth-token`) without the secret in the process arguments,
 * where other users of the machine could read it: `--mcp-config @mcp.json` reads the file (the
 * path relative to the working folder), and an empty flag falls back to the environment
 * variable `KAMUI_<NAME>` (`KAMUI_MCP_CONFIG`, `KAMUI_OAUTH_TOKEN`). A literal value still works.
 *
 * @throws KamuiError CFG_001 when the `@file` cannot be read
 */
export async function secretInput(
  name: string,
  value: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  if (value.startsWith('@')) {
    const file = path.resolve(value.slice(1))
    try {
      return (await readFile(file, 'utf8')).trim()
    } catch (error) {
      throw new KamuiError(
        'CFG_001',
        `--${name} ${value}: the file ${file} cannot be read (${errorMessage(error)}).`,
        {
          cause: error,
        },
      )
    }
  }
  if (value !== '') return value
  return env[`KAMUI_${name.toUpperCase().replace(/-/g, '_')}`] ?? ''
}
