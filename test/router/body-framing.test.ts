import { describe, expect, test } from "bun:test";
import { BodyFraming, FramingError, requestFraming, responseFraming } from "../../src/router/body-framing.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

/** Feeds `text` in pieces of `step` bytes; returns the offset in `text` where the body ended, or -1. */
function endOf(framing: BodyFraming, text: string, step: number): number {
  for (let at = 0; at < text.length; at += step) {
    const piece = bytes(text.slice(at, at + step));
    const end = framing.consume(piece, 0);
    if (framing.done) return at + end;
  }
  return -1;
}

describe("chunked", () => {
  const body = "5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  test("finds the end of the body at every split", () => {
    for (const step of [1, 2, 3, 7, body.length]) expect(endOf(BodyFraming.chunked(), `${body}NEXT`, step)).toBe(body.length);
  });
  test("is not done before the last chunk's CRLF", () => {
    expect(endOf(BodyFraming.chunked(), body.slice(0, -1), 4)).toBe(-1);
  });
  test("refuses malformed framing", () => {
    for (const bad of ["x\r\n", "5\r\nhelloXX", "5\nhello", "\r\n", "1000000000000\r\n"]) {
      expect(() => endOf(BodyFraming.chunked(), bad, 1)).toThrow(FramingError);
    }
  });
});

describe("content-length", () => {
  test("ends after exactly n bytes", () => {
    expect(endOf(BodyFraming.length(5), "helloNEXT", 2)).toBe(5);
    expect(requestFraming(-1, false).done).toBe(true);
  });
});

test("responses without a body: HEAD, 204, 304; unframed responses run until close", () => {
  expect(responseFraming("HEAD", 200, 10, false).done).toBe(true);
  expect(responseFraming("GET", 204, -1, false).done).toBe(true);
  expect(responseFraming("GET", 304, -1, false).done).toBe(true);
  expect(responseFraming("GET", 200, -1, false).kind).toBe("until-close");
  expect(responseFraming("GET", 200, -1, true).kind).toBe("chunked");
});
