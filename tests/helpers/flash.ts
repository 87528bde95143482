import type { ApiResponse } from '@japa/api-client'

/**
 * A response's flash messages typed as our controllers write them. A key that
 * was not flashed is undefined at run time, which fails the assertion using it.
 */
export function flashOf(response: ApiResponse): {
  success: string
  error: string
  inputErrorsBag: Record<string, string[]>
  [key: string]: any
} {
  return response.flashMessages() as any
}
