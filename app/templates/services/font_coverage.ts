import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Which characters some bundled font can draw, from
 * `resources/fonts/coverage.json` (`npm run fonts:coverage`, checked against
 * the fonts by a unit test): a few kilobytes of ranges, so any event loop can
 * ask without loading a font. A character no font maps would print as an
 * empty box; imports refuse such values at the row.
 */

const FILE = fileURLToPath(new URL('../../../resources/fonts/coverage.json', import.meta.url))

let ranges: Array<[number, number]> | undefined

function coverage() {
  ranges ??= (JSON.parse(readFileSync(FILE, 'utf8')) as { ranges: Array<[number, number]> }).ranges
  return ranges
}

/** Characters that draw nothing by design: spaces, joiners, direction and other format marks. */
const INVISIBLE = /^[\p{White_Space}\p{Cf}]$/u

export function someFontDraws(codePoint: number): boolean {
  const list = coverage()
  let low = 0
  let high = list.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const [first, last] = list[middle]
    if (codePoint < first) high = middle - 1
    else if (codePoint > last) low = middle + 1
    else return true
  }
  return false
}

/** The distinct characters of `text` no bundled font can draw, in order of first appearance. */
export function undrawableCharacters(text: string): string[] {
  const found: string[] = []
  for (const char of text) {
    const codePoint = char.codePointAt(0)!
    if (someFontDraws(codePoint) || INVISIBLE.test(char) || found.includes(char)) continue
    found.push(char)
  }
  return found
}

/** `U+ABC3` */
export function codePointLabel(char: string) {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}
