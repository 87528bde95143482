/**
 * The fixed catalogue of permission keys. Roles (system or custom) are sets of
 * these keys; every org route checks one through Bouncer.
 */
export const PERMISSIONS = {
  'org.manage': 'Edit organization settings and taxonomy',
  'members.manage': 'Invite, suspend and remove members, change their roles',
  'roles.manage': 'Create and edit custom roles',
  'templates.manage': 'Create and edit certificate templates',
  'imports.manage': 'Upload and map recipient lists',
  'certificates.issue': 'Generate certificates',
  'certificates.revoke': 'Revoke and reissue certificates',
  'certificates.download': 'Download certificate PDFs and exports',
  'deliveries.send': 'Send certificates by email and WhatsApp',
  'deliveries.manage': 'Configure delivery integrations and message templates',
  'billing.view': 'See invoices and usage',
  'billing.manage': 'Pay invoices and change billing details',
  'api_keys.manage': 'Create and revoke API keys',
  'audit.view': 'Read the audit log',
} as const

export type Permission = keyof typeof PERMISSIONS

export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[]

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value)
}

export type SystemRoleKey = 'owner' | 'admin' | 'member'

/** System roles are created with every org; their permission sets are fixed. */
export const SYSTEM_ROLES: Record<
  SystemRoleKey,
  { name: string; description: string; permissions: Permission[] }
> = {
  owner: {
    name: 'Owner',
    description: 'Full access, including billing. Every org keeps at least one owner.',
    permissions: ALL_PERMISSIONS,
  },
  admin: {
    name: 'Admin',
    description: 'Runs the organization day to day; cannot manage billing.',
    permissions: ALL_PERMISSIONS.filter((key) => key !== 'billing.manage'),
  },
  member: {
    name: 'Member',
    description: 'Designs templates, imports recipients, issues and sends certificates.',
    permissions: [
      'templates.manage',
      'imports.manage',
      'certificates.issue',
      'certificates.download',
      'deliveries.send',
    ],
  },
}
