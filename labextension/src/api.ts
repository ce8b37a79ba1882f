/**
 * The server extension's REST API (autograder/server/handlers.py), through JupyterLab's
 * ServerConnection: it sends the token or the login cookie and the XSRF header, as every
 * other request of JupyterLab does.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** One check's verdict, as POST /autograder/api/check answers it (notebook order). */
export interface ICheck {
  cell: string;
  name: string;
  passed: boolean;
  error: number | null;
  tolerance: number | null;
  diagnosis: string | null;
  message: string;
}

export interface ICheckResult {
  passed: number;
  failed: number;
  seconds: number;
  checks: ICheck[];
}

export interface IAssignment {
  assignment: string;
  released: boolean;
  notebooks: string[];
  proof: string | null;
  submissions: number;
  graded: number;
  awaiting_hand_grading: number;
  could_not_be_graded: number;
  could_not_be_graded_why: { [student: string]: string };
  report: boolean;
  job: string | null;
}

export interface IJob {
  id: string;
  command: string;
  assignment: string;
  state: 'running' | 'succeeded' | 'failed';
  step: string | null;
  done: number | null;
  total: number | null;
  eta: number | null;
  elapsed: number;
  exit_status: number | null;
  summary: string[];
  log: string[];
}

/** An answer the server gave with an error status: its one line ({"error": ...}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'autograder', 'api', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(0, `the Jupyter server did not answer (${error})`);
  }
  const text = await response.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const line =
      (body && (body.error || body.message)) ||
      `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, line);
  }
  return body as T;
}

export function post<T>(path: string, body: object): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body) });
}
