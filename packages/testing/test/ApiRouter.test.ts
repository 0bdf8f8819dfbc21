import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpEffect } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { expect, expectTypeOf } from "vitest"
import { endpointRoutes, type Handlers, type Input, makeRouter } from "../src/internal/ApiRouter.ts"
import { makeCredentials } from "../src/internal/stores/Credentials.ts"

const Item = Schema.Struct({
  itemId: Schema.String,
  name: Schema.String,
  note: Schema.optional(Schema.NullOr(Schema.String)),
  limit: Schema.optional(Schema.Number)
}).pipe(Schema.encodeKeys({ itemId: "item_id" }))

const Items = HttpApiGroup.make("items").add(
  HttpApiEndpoint.get("getItem", "/items/:id", {
    params: { id: Schema.String },
    query: Schema.Struct({
      limit: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 255 }))),
      full: Schema.optional(Schema.Boolean)
    }),
    success: Item
  }),
  HttpApiEndpoint.post("renameItem", "/items/:id", {
    params: { id: Schema.String },
    payload: Schema.Struct({ newName: Schema.String }).pipe(Schema.encodeKeys({ newName: "new_name" })),
    success: Item
  })
)

const TestApi = HttpApi.make("test").add(Items).prefix("/v1")

const handlers: Handlers<typeof TestApi> = {
  items: {
    getItem: ({ params, query }) =>
      Effect.succeed({ itemId: params.id, name: query.full === true ? "full" : "short", limit: query.limit }),
    renameItem: ({ params, payload }) => Effect.succeed({ itemId: params.id, name: payload.newName })
  }
}

const handler = async () =>
  HttpEffect.toWebHandler(await Effect.runPromise(makeRouter(endpointRoutes(TestApi, handlers, makeCredentials("app")))))

const request = (method: string, path: string, init: RequestInit = {}) =>
  new Request(`http://localhost${path}`, { method, ...init })

describe("ApiRouter", () => {
  it("makes a missing group or endpoint handler a compile error, and types each handler's input", () => {
    expectTypeOf<keyof Handlers<typeof FlowLikeApi>>().toEqualTypeOf<"health" | "workflows" | "execution" | "models" | "bits" | "boards" | "apps" | "sinks" | "usage" | "db" | "files">()
    expectTypeOf<keyof Handlers<typeof FlowLikeApi>["workflows"]>().toEqualTypeOf<
      "invokeBoard" | "invokeBoardAsync" | "invokeEvent" | "invokeEventAsync"
    >()
    type GetItem = typeof Items.endpoints.getItem
    expectTypeOf<Input<GetItem>["params"]>().toEqualTypeOf<{ readonly id: string }>()
    expectTypeOf<Input<GetItem>["query"]>().toEqualTypeOf<{ readonly limit?: number | undefined; readonly full?: boolean | undefined }>()
    expectTypeOf<Input<GetItem>["payload"]>().toEqualTypeOf<undefined>()
    expectTypeOf<Input<typeof Items.endpoints.renameItem>["payload"]>().toEqualTypeOf<{ readonly newName: string }>()

    // @ts-expect-error the `renameItem` handler is missing
    const missingEndpoint: Handlers<typeof TestApi> = { items: { getItem: handlers.items.getItem } }
    // @ts-expect-error the `items` group is missing
    const missingGroup: Handlers<typeof TestApi> = {}
    expect([missingEndpoint, missingGroup]).toHaveLength(2)
  })

  it("decodes params, query and payload with the endpoint's schemas and encodes the answer to the wire", async () => {
    const serve = await handler()
    const got = await serve(request("GET", "/v1/items/a1?limit=7&full=true&other=x"))
    expect(got.status).toBe(200)
    expect(await got.text()).toBe("{\"item_id\":\"a1\",\"name\":\"full\",\"note\":null,\"limit\":7}")

    const renamed = await serve(request("POST", "/v1/items/a1", {
      headers: { "content-type": "application/json" },
      body: "{\"new_name\":\"b\",\"ignored\":1}"
    }))
    expect(await renamed.json()).toEqual({ item_id: "a1", name: "b", note: null })
  })

  it("rejects like axum's extractors, in plain text", async () => {
    const serve = await handler()
    const cases: Array<[Request, number, string]> = [
      [request("GET", "/v1/items/a?limit=256"), 400, "Failed to deserialize query string: limit: number too large to fit in target type"],
      [request("GET", "/v1/items/a?limit=-1"), 400, "Failed to deserialize query string: limit: invalid digit found in string"],
      [request("GET", "/v1/items/a?full=yes"), 400, "Failed to deserialize query string: full: provided string was not `true` or `false`"],
      [request("POST", "/v1/items/a", { body: "{}" }), 415, "Expected request with `Content-Type: application/json`"],
      [
        request("POST", "/v1/items/a", { headers: { "content-type": "application/json" }, body: "{\"newName\":\"b\"}" }),
        422,
        "Failed to deserialize the JSON body into the target type: missing field `new_name` at line 1 column 15"
      ]
    ]
    for (const [sent, status, text] of cases) {
      const response = await serve(sent)
      expect(response.status).toBe(status)
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8")
      expect(await response.text()).toBe(text)
    }
  })

  it("answers a known path's other methods with an empty 405 and Allow, unknown paths with an empty 404", async () => {
    const serve = await handler()
    const head = await serve(request("HEAD", "/v1/items/a"))
    expect(head.status).toBe(200)
    const put = await serve(request("PUT", "/v1/items/a"))
    expect(put.status).toBe(405)
    expect(put.headers.get("allow")).toBe("GET,HEAD,POST")
    expect(await put.text()).toBe("")
    const unknown = await serve(request("GET", "/v1/things"))
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toBe("")
  })
})
