import { inflateSync } from 'node:zlib'
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  type PDFObject,
} from 'pdf-lib'

/**
 * Reads back what a PDF page draws, independently of the code that wrote
 * it: every glyph shown (font, code, glyph id in the embedded font, position
 * on the page) and every filled rectangle. Enough of a content-stream
 * interpreter for the operators our renderer and simple PDFs use.
 */

export interface DrawnGlyph {
  /** The page's font resource name, e.g. `AX1`. */
  resource: string
  baseFont: string
  cid: number
  /** Glyph id in the embedded font program (after CIDToGIDMap). */
  gid: number
  /** Position of the glyph origin on the page, points from the bottom-left. */
  x: number
  y: number
  fontSize: number
  /** Advance width of its code (`/W`), 1000 per em. */
  width: number
  /** The embedded TrueType program. */
  fontFile: Uint8Array
}

export interface FilledRect {
  x: number
  y: number
  width: number
  height: number
  /** Fill colour in effect (rg), 0..1. */
  color: [number, number, number]
}

interface FontInfo {
  baseFont: string
  widths: Map<number, number>
  defaultWidth: number
  cidToGid: Uint8Array | null
  fontFile: Uint8Array
}

function streamBytes(doc: PDFDocument, object: PDFObject | undefined): Uint8Array {
  const stream = object instanceof PDFRef ? doc.context.lookup(object) : object
  if (!(stream instanceof PDFRawStream)) throw new Error('not a stream')
  const filter = stream.dict.get(PDFName.of('Filter'))
  return filter && filter.toString() === '/FlateDecode'
    ? new Uint8Array(inflateSync(stream.contents))
    : stream.contents
}

function lookupDict(doc: PDFDocument, object: PDFObject | undefined) {
  const value = object instanceof PDFRef ? doc.context.lookup(object) : object
  return value instanceof PDFDict ? value : null
}

function fontInfo(doc: PDFDocument, fontDict: PDFDict): FontInfo {
  const descendants = doc.context.lookup(fontDict.get(PDFName.of('DescendantFonts'))) as PDFArray
  const cidFont = lookupDict(doc, descendants.get(0))!
  const widths = new Map<number, number>()
  const w = doc.context.lookup(cidFont.get(PDFName.of('W'))) as PDFArray | undefined
  if (w) {
    for (let i = 0; i < w.size();) {
      const first = (w.get(i) as PDFNumber).asNumber()
      const next = doc.context.lookup(w.get(i + 1))
      if (next instanceof PDFArray) {
        for (let j = 0; j < next.size(); j++)
          widths.set(first + j, (next.get(j) as PDFNumber).asNumber())
        i += 2
      } else {
        const last = (next as PDFNumber).asNumber()
        const width = (w.get(i + 2) as PDFNumber).asNumber()
        for (let c = first; c <= last; c++) widths.set(c, width)
        i += 3
      }
    }
  }
  const dw = cidFont.get(PDFName.of('DW'))
  const map = cidFont.get(PDFName.of('CIDToGIDMap'))
  const descriptor = lookupDict(doc, cidFont.get(PDFName.of('FontDescriptor')))!
  return {
    baseFont: fontDict.get(PDFName.of('BaseFont'))!.toString().slice(1),
    widths,
    defaultWidth: dw instanceof PDFNumber ? dw.asNumber() : 1000,
    cidToGid: map && map.toString() !== '/Identity' ? streamBytes(doc, map) : null,
    fontFile: streamBytes(doc, descriptor.get(PDFName.of('FontFile2'))),
  }
}

type Token =
  | { type: 'num'; value: number }
  | { type: 'name'; value: string }
  | { type: 'hex'; value: string }
  | { type: 'op'; value: string }
  | { type: 'array'; value: Token[] }
  | { type: 'dict' }
  | { type: 'str'; value: string }

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  const stack: Token[][] = [tokens]
  let i = 0
  const push = (token: Token) => stack[stack.length - 1].push(token)
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) {
      i++
    } else if (c === '%') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '[') {
      const array: Token[] = []
      push({ type: 'array', value: array })
      stack.push(array)
      i++
    } else if (c === ']') {
      stack.pop()
      i++
    } else if (c === '<' && text[i + 1] === '<') {
      // Skip a whole dictionary (marked-content properties).
      let depth = 0
      while (i < text.length) {
        if (text[i] === '<' && text[i + 1] === '<') {
          depth++
          i += 2
        } else if (text[i] === '>' && text[i + 1] === '>') {
          depth--
          i += 2
          if (depth === 0) break
        } else if (text[i] === '<') {
          i = text.indexOf('>', i) + 1
        } else i++
      }
      push({ type: 'dict' })
    } else if (c === '<') {
      const end = text.indexOf('>', i)
      push({ type: 'hex', value: text.slice(i + 1, end).replace(/\s/g, '') })
      i = end + 1
    } else if (c === '(') {
      let depth = 1
      let j = i + 1
      while (j < text.length && depth > 0) {
        if (text[j] === '\\') j++
        else if (text[j] === '(') depth++
        else if (text[j] === ')') depth--
        j++
      }
      push({ type: 'str', value: text.slice(i + 1, j - 1) })
      i = j
    } else if (c === '/') {
      let j = i + 1
      while (j < text.length && !/[\s/[\]<>()%]/.test(text[j])) j++
      push({ type: 'name', value: text.slice(i + 1, j) })
      i = j
    } else {
      let j = i
      while (j < text.length && !/[\s/[\]<>()%]/.test(text[j])) j++
      if (j === i) {
        i++
        continue
      }
      const word = text.slice(i, j)
      if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) push({ type: 'num', value: Number(word) })
      else push({ type: 'op', value: word })
      i = j
    }
  }
  return tokens
}

type Matrix = [number, number, number, number, number, number]
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
]

/** The page's content streams decoded and joined, as the viewer sees them. */
export async function pageContent(bytes: Uint8Array, pageIndex = 0) {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const page = doc.getPage(pageIndex)
  const contents = page.node.get(PDFName.of('Contents'))
  const refs = contents instanceof PDFArray ? contents.asArray() : [contents!]
  const text = refs
    .map((ref) =>
      Buffer.from(streamBytes(doc, doc.context.lookup(ref) as PDFObject)).toString('latin1')
    )
    .join('\n')
  return { doc, page, text }
}

/** Every glyph and filled rectangle the first page draws. */
export async function inspectPage(bytes: Uint8Array) {
  const { doc, page, text } = await pageContent(bytes)
  const fonts = new Map<string, FontInfo>()
  const fontDicts = page.node.Resources()?.lookupMaybe(PDFName.of('Font'), PDFDict)
  const glyphs: DrawnGlyph[] = []
  const rects: FilledRect[] = []

  let ctm: Matrix = [1, 0, 0, 1, 0, 0]
  const ctmStack: Matrix[] = []
  let fill: [number, number, number] = [0, 0, 0]
  const fillStack: Array<[number, number, number]> = []
  let tm: Matrix = [1, 0, 0, 1, 0, 0]
  let font: (FontInfo & { resource: string }) | null = null
  let size = 0
  let rise = 0
  let pendingRects: Array<Omit<FilledRect, 'color'>> = []
  const operands: Token[] = []

  const showHex = (hex: string) => {
    if (!font) return
    for (let i = 0; i < hex.length; i += 4) {
      const cid = Number.parseInt(hex.slice(i, i + 4), 16)
      const gid = font.cidToGid ? (font.cidToGid[cid * 2] << 8) | font.cidToGid[cid * 2 + 1] : cid
      const origin = multiply([1, 0, 0, 1, 0, rise], multiply(tm, ctm))
      const width = font.widths.get(cid) ?? font.defaultWidth
      glyphs.push({
        resource: font.resource,
        baseFont: font.baseFont,
        cid,
        gid,
        x: origin[4],
        y: origin[5],
        fontSize: size,
        width,
        fontFile: font.fontFile,
      })
      tm = multiply([1, 0, 0, 1, (width / 1000) * size, 0], tm)
    }
  }

  for (const token of tokenize(text)) {
    if (token.type !== 'op') {
      operands.push(token)
      continue
    }
    const nums = operands.filter((o) => o.type === 'num').map((o) => (o as { value: number }).value)
    switch (token.value) {
      case 'q':
        ctmStack.push(ctm)
        fillStack.push(fill)
        break
      case 'Q':
        ctm = ctmStack.pop() ?? [1, 0, 0, 1, 0, 0]
        fill = fillStack.pop() ?? [0, 0, 0]
        break
      case 'cm':
        ctm = multiply(nums as Matrix, ctm)
        break
      case 'rg':
        fill = nums.slice(0, 3) as [number, number, number]
        break
      case 'g':
        fill = [nums[0], nums[0], nums[0]]
        break
      case 're':
        pendingRects.push({ x: nums[0], y: nums[1], width: nums[2], height: nums[3] })
        break
      case 'f':
      case 'F':
      case 'f*':
        for (const rect of pendingRects) {
          const o = multiply([1, 0, 0, 1, rect.x, rect.y], ctm)
          rects.push({
            x: o[4],
            y: o[5],
            width: rect.width * ctm[0],
            height: rect.height * ctm[3],
            color: fill,
          })
        }
        pendingRects = []
        break
      case 'n':
        pendingRects = []
        break
      case 'BT':
        tm = [1, 0, 0, 1, 0, 0]
        break
      case 'Tf': {
        const name = (operands.find((o) => o.type === 'name') as { value: string }).value
        size = nums[0]
        let info = fonts.get(name)
        const dict = fontDicts ? lookupDict(doc, fontDicts.get(PDFName.of(name))) : null
        if (!info && dict && dict.get(PDFName.of('Subtype'))?.toString() === '/Type0') {
          info = fontInfo(doc, dict)
          fonts.set(name, info)
        }
        font = info ? { ...info, resource: name } : null
        break
      }
      case 'Tm':
        tm = nums as Matrix
        break
      case 'Td':
        tm = multiply([1, 0, 0, 1, nums[0], nums[1]], tm)
        break
      case 'Ts':
        rise = nums[0]
        break
      case 'Tj': {
        const hex = operands.find((o) => o.type === 'hex') as { value: string } | undefined
        if (hex) showHex(hex.value)
        break
      }
      case 'TJ': {
        const array = operands.find((o) => o.type === 'array') as { value: Token[] } | undefined
        for (const item of array?.value ?? []) {
          if (item.type === 'hex') showHex(item.value)
          else if (item.type === 'num')
            tm = multiply([1, 0, 0, 1, (-item.value / 1000) * size, 0], tm)
        }
        break
      }
    }
    operands.length = 0
  }
  return { glyphs, rects, text, pageHeight: page.getHeight(), pageWidth: page.getWidth() }
}
