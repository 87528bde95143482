import { ownValue } from '#core/services/own_keys'

/**
 * Which source column feeds which of our keys. Suggested from the header
 * names (case, spacing and punctuation ignored, common synonyms known),
 * changed by the user, and remembered per org for the next file with the
 * same headers.
 */

/** Keys an import can fill; templates' custom keys come on top. */
export const IMPORT_KEYS = {
  recipient_name: 'Recipient name',
  recipient_email: 'Email',
  recipient_phone: 'Phone',
  course_name: 'Course name',
  issue_date: 'Issue date',
  expiry_date: 'Expiry date',
  grade: 'Grade',
} as const

export type ImportKey = keyof typeof IMPORT_KEYS

/** A key as people read it: ours by their label, a template's own (`batch_code`) as "Batch code". */
export function keyLabel(key: string) {
  return (
    ownValue(IMPORT_KEYS as Record<string, string>, key) ??
    key
      .replace(/_+/g, ' ')
      .trim()
      .replace(/^./, (c) => c.toUpperCase())
  )
}

/** Our key → the header of the source column it is read from. */
export type ColumnMapping = Record<string, string>

/** "Mobile No." → "mobileno"; letters of every script are kept. */
export function headerToken(header: string) {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '')
}

const SYNONYMS: Record<ImportKey, string[]> = {
  recipient_name: [
    'recipientname',
    'name',
    'fullname',
    'nameinfull',
    'studentname',
    'participantname',
    'candidatename',
    'recipient',
    'learnername',
    'traineename',
    'employeename',
    'attendeename',
    'nameofstudent',
    'nameofparticipant',
    'nameofcandidate',
    'nameoncertificate',
    'certificatename',
    'student',
    'participant',
    'candidate',
    'awardee',
    'नाम',
  ],
  recipient_email: [
    'recipientemail',
    'email',
    'emailaddress',
    'emailid',
    'mail',
    'mailid',
    'emailaddr',
    'studentemail',
    'participantemail',
    'officialemail',
  ],
  recipient_phone: [
    'recipientphone',
    'phone',
    'phonenumber',
    'phoneno',
    'mobile',
    'mobileno',
    'mobilenumber',
    'mobilephone',
    'cell',
    'cellphone',
    'contact',
    'contactno',
    'contactnumber',
    'whatsapp',
    'whatsappno',
    'whatsappnumber',
    'telephone',
    'tel',
  ],
  course_name: [
    'coursename',
    'course',
    'coursetitle',
    'program',
    'programme',
    'programname',
    'programmename',
    'training',
    'trainingname',
    'workshop',
    'event',
    'eventname',
    'batchcourse',
    'subject',
  ],
  issue_date: [
    'issuedate',
    'dateofissue',
    'issuedon',
    'issued',
    'certificatedate',
    'completiondate',
    'dateofcompletion',
    'completedon',
    'completed',
    'date',
    'awarddate',
    'dateofaward',
    'passingdate',
    'enddate',
  ],
  expiry_date: [
    'expirydate',
    'expiresat',
    'expires',
    'expiry',
    'expiration',
    'expirationdate',
    'validtill',
    'validuntil',
    'validupto',
    'dateofexpiry',
  ],
  grade: [
    'grade',
    'result',
    'score',
    'marks',
    'percentage',
    'division',
    'class',
    'gpa',
    'cgpa',
    'rank',
  ],
}

/** Loose patterns for headers no synonym names exactly. */
const PATTERNS: Array<[ImportKey, RegExp]> = [
  ['recipient_email', /e-?mail/],
  ['recipient_phone', /phone|mobile|whatsapp|contactn/],
  ['expiry_date', /expir|validtill|validuntil/],
  ['issue_date', /(issue|complet|award).*date|date.*(issue|complet|award)/],
  ['course_name', /course|programme|program/],
  ['grade', /grade|score|marks/],
  ['recipient_name', /name$/],
]

/**
 * A mapping for these columns: exact key names first, then synonyms, then
 * loose patterns; each column feeds at most one key. `extraKeys` are the
 * custom keys of the chosen templates, matched by name.
 */
export function suggestMapping(columns: string[], extraKeys: string[] = []): ColumnMapping {
  const tokens = columns.map(headerToken)
  const used = new Set<number>()
  const mapping: ColumnMapping = {}
  const take = (key: string, index: number) => {
    if (index < 0 || used.has(index) || Object.hasOwn(mapping, key)) return
    used.add(index)
    mapping[key] = columns[index]
  }
  const keys = [...Object.keys(IMPORT_KEYS), ...extraKeys]
  for (const key of keys) take(key, tokens.indexOf(headerToken(key)))
  for (const key of Object.keys(SYNONYMS) as ImportKey[]) {
    for (const synonym of SYNONYMS[key])
      take(
        key,
        tokens.findIndex((token, i) => token === synonym && !used.has(i))
      )
  }
  for (const [key, pattern] of PATTERNS)
    take(
      key,
      tokens.findIndex((token, i) => !used.has(i) && pattern.test(token))
    )
  return mapping
}

/** The same headers in the same order, in any case or spacing: the key a remembered mapping is stored under. */
export function headersSignature(columns: string[]) {
  return columns.map(headerToken).join('|')
}

/** Keeps only entries whose column exists (a remembered mapping applied to a file that lost a column). */
export function applicableMapping(mapping: ColumnMapping, columns: string[]): ColumnMapping {
  return Object.fromEntries(
    Object.entries(mapping).filter(([, column]) => columns.includes(column))
  )
}
