/**
 * Escapes text for one cell of a GitHub-flavoured Markdown table (job summaries): backslash,
 * `|` (the column separator), and the inline-markup characters `` ` `` `*` `_` `<` `>` `[` `]`
 * get a backslash; line breaks become spaces (a table row is one line).
 *
 * @example markdownCell('a|b\nc') // 'a\\|b c'
 */
export function markdownCell(text: string): string {
  return text.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ')
}
