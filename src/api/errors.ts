// API errors carry Heroku's `id` and a message a user can act on; the API turns them into `{id, message}`.
export class HttpError extends Error {
  constructor(readonly status: number, readonly id: string, message: string) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `Couldn't find that ${what}.`);
export const invalidParams = (message: string) => new HttpError(422, "invalid_params", message);
export const forbidden = (message = "You do not have access to this resource.") => new HttpError(403, "forbidden", message);
