import { test } from '@japa/runner'
import { csvCell, csvLine } from '#core/services/csv_export'

test.group('CSV export', () => {
  test('cells a spreadsheet would run as formulas get a leading apostrophe', ({ assert }) => {
    for (const value of [
      '=HYPERLINK("http://x")',
      '+SUM(1,2)',
      '-1+1',
      '@cmd|/c calc',
      '\tTAB',
      '\rCR',
      '\0NUL',
    ]) {
      assert.isTrue(csvCell(value).replace(/^"/, '').startsWith("'"), JSON.stringify(value))
    }
    assert.equal(csvCell('Priya Sharma'), 'Priya Sharma')
    assert.equal(csvCell('+91 98765'), "'+91 98765")
  })

  test('quotes, commas and line breaks are quoted as RFC 4180 says', ({ assert }) => {
    assert.equal(
      csvLine(['"The Rock" Johnson, Jr.', 'Multi\nLine', 'plain', null]),
      '"""The Rock"" Johnson, Jr.","Multi\nLine",plain,\r\n'
    )
    assert.equal(csvCell('=A1,B1'), `"'=A1,B1"`)
  })
})
