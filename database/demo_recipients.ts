/**
 * The demo org's first recipient list, as an LMS might export it: Indian
 * names in several scripts, phones written every which way, a date with a
 * month name, and one email with a typo so the results page has a row to fix.
 */
export const DEMO_RECIPIENTS_FILE = 'batch-14-march-2026.csv'

export const DEMO_RECIPIENTS_CSV = [
  'Full Name,Email Address,Mobile No.,Course Name,Date of Completion,Grade',
  'Aarav Sharma,aarav.sharma@example.in,98765 43210,Full Stack Web Development,15/03/2026,A+',
  'अनन्या गुप्ता,ananya.gupta@example.in,+91 98765 43211,Full Stack Web Development,15/03/2026,A',
  'தமிழ்செல்வி முருகன்,tamilselvi@example.in,098765-43212,Full Stack Web Development,15-Mar-2026,A',
  'সৌরভ গাঙ্গুলী,sourav.g@example.in,9876543213,Full Stack Web Development,15/03/2026,B+',
  'Meera Nair,meera.nair@example,9876543214,Full Stack Web Development,15/03/2026,A',
  'Rohan Iyer,rohan.iyer@example.in,,Full Stack Web Development,15/03/2026,B',
].join('\r\n')
