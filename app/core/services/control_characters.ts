/**
 * C0 and C1 control characters and DEL: never meaningful in a name, a
 * label or a file name, and a NUL is refused outright by PostgreSQL text
 * columns. Tab, LF and CR are kept by `stripControls(value, { keepLines: true })`.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g
// eslint-disable-next-line no-control-regex -- as above, minus tab, LF and CR
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g

export function stripControls(value: string, options: { keepLines?: boolean } = {}) {
  return value.replace(options.keepLines ? CONTROLS_BUT_LINES : CONTROLS, '')
}
