import { test } from '@japa/runner'
import {
  normaliseEmail,
  normaliseName,
  normalisePhone,
  parseDate,
} from '#imports/services/normalise'
import { suggestMapping } from '#imports/services/column_mapping'
import { validateRow } from '#imports/services/row_validation'
import { pastedRows } from '#imports/services/pasted_rows'
import { decodeText } from '#imports/services/text_decoding'

test.group('Imports: normalising values', () => {
  test('names: whitespace trimmed and collapsed, line breaks too, letters of every script kept', ({
    assert,
  }) => {
    assert.equal(normaliseName('  Asha \t  Verma\n'), 'Asha Verma')
    assert.equal(normaliseName('Multi\r\nLine   Name'), 'Multi Line Name')
    assert.equal(normaliseName('अनन्या  गुप्ता'), 'अनन्या गुप्ता')
  })

  test('emails: lowercased and trimmed; broken ones refused', ({ assert }) => {
    assert.equal(normaliseEmail('  Priya.Nair@Example.IN '), 'priya.nair@example.in')
    for (const bad of [
      'bad.email@',
      '@example.in',
      'two@@example.in',
      'no spaces@example.in',
      'plainaddress',
      'a@b',
    ])
      assert.isNull(normaliseEmail(bad), bad)
  })

  test('phones become E.164: Indian numbers in every usual spelling, other countries by their code or the org default', ({
    assert,
  }) => {
    for (const spelling of [
      '9876543210',
      '98765 43210',
      '098765-43210',
      '+91 98765 43210',
      '0091 9876543210',
      '91-9876543210',
      '(+91) 98765-43210',
    ]) {
      assert.equal(normalisePhone(spelling, 'IN'), '+919876543210', spelling)
    }
    assert.equal(normalisePhone('+49 170 1234567', 'IN'), '+491701234567')
    assert.equal(normalisePhone('(212) 555-0123', 'US'), '+12125550123')
    for (const bad of ['12345', '1234567890123456', 'call me', '+91 00000 00000', '9.87654E+09'])
      assert.isNull(normalisePhone(bad, 'IN'), bad)
  })

  test('a phone number Excel turned into scientific notation gets its own error saying how to fix the file', ({
    assert,
  }) => {
    const context = {
      columns: ['Name', 'Mobile'],
      mapping: { recipient_name: 'Name', recipient_phone: 'Mobile' },
      requiredKeys: [],
      dateKeys: [],
      phoneCountry: 'IN',
      dateOrder: 'dmy' as const,
    }
    const { errors } = validateRow(['Asha', '9.87654E+09'], context)
    assert.deepEqual(
      errors.map((e) => [e.code, e.column]),
      [['E_PHONE_SCIENTIFIC', 'Mobile']]
    )
    assert.match(
      errors[0].message,
      /^Mobile \(column B\): “9\.87654E\+09” is a number Excel wrote in scientific notation/
    )
  })

  test('dates: ISO, day-first (or month-first by the org setting), month names, Excel serials; impossible dates refused', ({
    assert,
  }) => {
    const cases: Array<[string, string | null]> = [
      ['2026-03-15', '2026-03-15'],
      ['15/03/2026', '2026-03-15'],
      ['15-03-2026', '2026-03-15'],
      ['15.03.2026', '2026-03-15'],
      ['5/3/2026', '2026-03-05'],
      ['15-Mar-2026', '2026-03-15'],
      ['15 March 2026', '2026-03-15'],
      ['March 15, 2026', '2026-03-15'],
      ['Mar 15 2026', '2026-03-15'],
      ['46096', '2026-03-15'],
      ['2026-03-15T10:30:00Z', '2026-03-15'],
      ['29/02/2024', '2024-02-29'],
      ['31/02/2026', null],
      ['29/02/2026', null],
      ['2026-13-01', null],
      ['32/01/2026', null],
      ['yesterday', null],
      ['0', null],
    ]
    for (const [value, expected] of cases) assert.equal(parseDate(value, 'dmy'), expected, value)
    assert.equal(parseDate('03/04/2026', 'dmy'), '2026-04-03')
    assert.equal(parseDate('03/04/2026', 'mdy'), '2026-03-04')
    assert.equal(parseDate('15/03/2026', 'mdy'), null, 'month 15 does not exist')
  })
})

test.group('Imports: mapping suggestions', () => {
  test('headers as orgs write them map to our keys: case, spacing, punctuation and synonyms', ({
    assert,
  }) => {
    assert.deepEqual(
      suggestMapping([
        'Full Name',
        'Email Address',
        'Mobile No.',
        'Course Name',
        'Date of Completion',
        'Grade',
      ]),
      {
        recipient_name: 'Full Name',
        recipient_email: 'Email Address',
        recipient_phone: 'Mobile No.',
        course_name: 'Course Name',
        issue_date: 'Date of Completion',
        grade: 'Grade',
      }
    )
    assert.deepEqual(
      suggestMapping(['STUDENT NAME', 'E-mail ID', 'WhatsApp Number', 'Programme', 'Valid Till']),
      {
        recipient_name: 'STUDENT NAME',
        recipient_email: 'E-mail ID',
        recipient_phone: 'WhatsApp Number',
        course_name: 'Programme',
        expiry_date: 'Valid Till',
      }
    )
    assert.deepEqual(
      suggestMapping(['Roll No', 'Learner', 'Batch Code']),
      {},
      'nothing is guessed from unrelated headers'
    )
    assert.deepEqual(
      suggestMapping(['Name', 'Mentor Name', 'City'], ['city']),
      { recipient_name: 'Name', city: 'City' },
      'each column feeds at most one key; template keys by name'
    )
  })
})

test.group('Imports: pasted rows and text decoding', () => {
  test('rows pasted from a spreadsheet are placed by their header, or by the list’s column order without one', ({
    assert,
  }) => {
    const columns = ['Full Name', 'Email Address', 'Mobile No.']
    const mapping = {
      recipient_name: 'Full Name',
      recipient_email: 'Email Address',
      recipient_phone: 'Mobile No.',
    }
    assert.deepEqual(pastedRows('Email\tName\nasha@example.in\tAsha\n', columns, mapping), [
      { 'Email Address': 'asha@example.in', 'Full Name': 'Asha' },
    ])
    assert.deepEqual(
      pastedRows('Ravi\travi@example.in\t98765 43210\r\nSita\t\t\n', columns, mapping),
      [
        { 'Full Name': 'Ravi', 'Email Address': 'ravi@example.in', 'Mobile No.': '98765 43210' },
        { 'Full Name': 'Sita', 'Email Address': '', 'Mobile No.': '' },
      ]
    )
    assert.deepEqual(
      pastedRows('"Nair, Priya"\t"line one\nline two"', columns, mapping),
      [{ 'Full Name': 'Nair, Priya', 'Email Address': 'line one\nline two' }],
      'quoted cells as Excel copies them'
    )
    assert.deepEqual(pastedRows('  \n ', columns, mapping), [])
  })

  test('text is decoded by its byte order mark, as UTF-8 when valid, else as Windows-1252; mojibake is flagged', ({
    assert,
  }) => {
    assert.deepInclude(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), {
      text: 'A',
      encoding: 'utf-8-bom',
    })
    assert.deepInclude(decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x05, 0x09])), {
      text: 'Aअ',
      encoding: 'utf-16le',
    })
    assert.deepInclude(decodeText(new Uint8Array([0xfe, 0xff, 0x00, 0x41, 0x09, 0x05])), {
      text: 'Aअ',
      encoding: 'utf-16be',
    })
    assert.deepInclude(decodeText(new Uint8Array(Buffer.from('José', 'utf8'))), {
      text: 'José',
      encoding: 'utf-8',
    })
    assert.deepInclude(decodeText(new Uint8Array([0x4a, 0x6f, 0x73, 0xe9, 0x20, 0x80])), {
      text: 'José €',
      encoding: 'windows-1252',
    })
    assert.isTrue(decodeText(new Uint8Array(Buffer.from('JosÃ© MÃ¼ller', 'utf8'))).suspectMojibake)
    assert.isFalse(decodeText(new Uint8Array(Buffer.from('José Müller', 'utf8'))).suspectMojibake)
  })
})
