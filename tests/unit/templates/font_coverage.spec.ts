import { test } from '@japa/runner'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { undrawableCharacters } from '#templates/services/font_coverage'
import { measureRow } from '#templates/services/prepared_template'
import { validateRow } from '#imports/services/row_validation'
import { field } from '#tests/helpers/templates'

/*
| Which characters some bundled font draws, from resources/fonts/coverage.json:
| the file is what the fonts give today, it agrees with the renderer (a value
| it passes draws without a box, one it refuses would draw boxes), and an
| import refuses, at the row and the column, a value no font can print.
*/

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** Printable today: Latin, the Indic scripts, Perso-Arabic, Ol Chiki and Meetei Mayek, with joiners and spaces. */
const PRINTABLE = [
  'Ærø Zoë O’Brien-Smith',
  'अनन्या गुप्ता',
  'சௌந்தர்யா',
  'সৌরভ গাঙ্গুলী',
  'ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ',
  'નરેન્દ્ર',
  'ସୌମ୍ୟ',
  'వెంకటేశ్వర',
  'ಕುವೆಂಪು',
  'മമ്മൂട്ടി',
  'क्‍ष and र्‌य (ZWJ, ZWNJ)',
  'Ravi\u00a0Kumar',
  'محمد عمران',
  'ڪاشف سنڌي',
  'ᱥᱟᱱᱛᱟᱲᱤ',
  'Ravi ꯃꯤꯇꯩ',
  'Dr. محمد عمران (MBA) ١٢٣',
]

/** Scripts no bundled font draws: Ethiopic, Thai, Chinese. */
const NOT_PRINTABLE: Array<[string, string[]]> = [
  ['አበበ', ['አ', 'በ']],
  ['สมชาย', ['ส', 'ม', 'ช', 'า', 'ย']],
  ['Ravi 王小明', ['王', '小', '明']],
]

test.group('Font coverage', () => {
  test('resources/fonts/coverage.json is what the bundled fonts map today', ({ assert }) => {
    const run = spawnSync(process.execPath, ['bin/font_coverage.js', '--check'], { cwd: root })
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`)
  }).timeout(60_000)

  test('it agrees with the renderer: what it passes draws without boxes, what it refuses would draw them', ({
    assert,
  }) => {
    const name = field({ key: 'recipient_name', type: 'text', width: 5000 })
    for (const text of PRINTABLE) {
      assert.deepEqual(undrawableCharacters(text), [], text)
      assert.deepEqual(measureRow([name], { recipient_name: text })[0].missing, [], text)
    }
    for (const [text, missing] of NOT_PRINTABLE) {
      assert.deepEqual(undrawableCharacters(text), missing, text)
      assert.sameMembers(measureRow([name], { recipient_name: text })[0].missing, missing, text)
    }
  })

  test('an import refuses a name or another printed value no font can print, naming the column and the characters', ({
    assert,
  }) => {
    const context = {
      columns: ['Name', 'Course', 'Email'],
      mapping: { recipient_name: 'Name', course_name: 'Course', recipient_email: 'Email' },
      requiredKeys: [],
      dateKeys: [],
      phoneCountry: 'IN',
      dateOrder: 'dmy' as const,
    }
    const ethiopic = validateRow(['አበበ ቢቂላ', 'Data Science', 'a@example.in'], context)
    assert.deepEqual(
      ethiopic.errors.map((e) => [e.code, e.field, e.column]),
      [['E_NO_FONT', 'recipient_name', 'Name']]
    )
    assert.equal(
      ethiopic.errors[0].message,
      "Name (column A): “አበበ ቢቂላ” has characters no font of ours can print: “አ” (U+12A0), “በ” (U+1260), “ቢ” (U+1262) and 2 more. The certificate would show empty boxes there; write the value in a script we print (Latin, Greek, Cyrillic or the script of any of India's scheduled languages), or leave the row out."
    )
    assert.isUndefined(ethiopic.data.recipient_name)

    const course = validateRow(['Asha Rao', '中国文学', 'a@example.in'], context)
    assert.deepEqual(
      course.errors.map((e) => [e.code, e.field, e.column]),
      [['E_NO_FONT', 'course_name', 'Course']]
    )
    assert.equal(course.data.recipient_name, 'Asha Rao')

    for (const name of ['अनन्या गुप्ता', 'محمد عمران', 'ᱥᱟᱱᱛᱟᱲᱤ ᱢᱟᱨᱰᱤ', 'ꯃꯤꯇꯩ ꯂꯩꯁꯥꯡ']) {
      const fine = validateRow([name, 'اردو ادب', 'a@example.in'], context)
      assert.deepEqual(fine.errors, [], name)
    }
  })
})
