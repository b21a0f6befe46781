import { verifyTelemetry } from './verify.js'

/**
 * `kamui verify-telemetry <folder>`: checks every telemetry file below `folder` and prints one
 * line per file that passes (`ok: <file> (<n> artifacts)`) and one line per problem
 * (`<file>: <json path>: <what is wrong>`), then a summary line when anything failed.
 *
 * @param write receives each line, without a newline
 * @returns the exit code: 0 when every file satisfies the contract, 1 otherwise (including
 *   when no telemetry file was found)
 */
export async function runVerifyTelemetry(
  folder: string,
  write: (line: string) => void,
): Promise<number> {
  const result = await verifyTelemetry(folder)
  if (result.reports.length === 0) {
    for (const problem of result.problems) write(problem)
    return 1
  }
  for (const report of result.reports) {
    if (report.problems.length === 0) {
      write(`ok: ${report.file} (${report.artifacts} artifact${report.artifacts === 1 ? '' : 's'})`)
    } else {
      for (const problem of report.problems) write(problem)
    }
  }
  if (!result.ok) {
    const failed = result.reports.filter((r) => r.problems.length > 0).length
    write(
      `verify-telemetry: ${result.problems.length} problem(s) in ${failed} of ${result.reports.length} file(s)`,
    )
    return 1
  }
  return 0
}
