/** Sign-in, sign-out and who am I. */
import { api } from './client.js'
import type { LoginAnswer, Me, SessionAnswer } from './types.js'

export function login(upn: string, password: string): Promise<LoginAnswer> {
  return api.json<LoginAnswer>('/api/v1/auth/login', { method: 'POST', body: { upn, password }, unauthenticatedIsAnswer: true })
}

export function logout(): Promise<unknown> {
  return api.json('/api/v1/auth/logout', { method: 'POST', unauthenticatedIsAnswer: true })
}

/** The signed-in account (a 401: the session ended). */
export function fetchMe(): Promise<Me> {
  return api.json<Me>('/api/v1/me')
}

/** On load: who is signed in, if anybody (never a 401). */
export async function fetchSession(): Promise<Me | null> {
  const answer = await api.json<SessionAnswer>('/api/v1/auth/session', { unauthenticatedIsAnswer: true })
  return answer.authenticated ? answer : null
}
