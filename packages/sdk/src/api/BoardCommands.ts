/**
 * Board commands (`packages/core/src/flow/board/commands.rs`, `GenericCommand`) and the board
 * parts they carry: nodes, pins, comments, layers and variables. camelCase in code, the server's
 * snake_case on the wire; the command's `commandType` is the wire's internal tag `command_type`.
 *
 * The server deserialises a command strictly (serde): every field that is not an `Option` must
 * be there, or the whole request is a 422. `Option` fields may be left out here. `hash` fields
 * are `u64` on the server; a JavaScript number keeps them only up to 2^53 (the server recomputes
 * the hashes it needs when it applies a command).
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import { I32, nullable, SystemTime, U32, U64, U8, unsigned } from "../internal/wire.ts"
import { Variable } from "./WorkflowsApi.ts"

/** Rust `u16`. */
const U16 = unsigned(65_535)

/** `(f32, f32, f32)`: x, y and z (the z is the zoom or stacking level). */
export const Coordinates = Schema.Tuple([Schema.Number, Schema.Number, Schema.Number]).annotate({ identifier: "Coordinates" })

/** `VariableType`: a pin's or variable's data type. */
export const DataType = Schema.Literals(["Execution", "String", "Integer", "Float", "Boolean", "Date", "PathBuf", "Generic", "Struct", "Byte"])
  .annotate({ identifier: "DataType" })

/** `ValueType`: a single value or a collection of them. */
export const ValueType = Schema.Literals(["Array", "Normal", "HashMap", "HashSet"]).annotate({ identifier: "ValueType" })

/** `PinOptions` (`flow/pin.rs`). */
const PinOptionsSchema = Schema.Struct({
  sensitive: nullable(Schema.Boolean),
  validValues: nullable(Schema.Array(Schema.String)),
  range: nullable(Schema.Tuple([Schema.Number, Schema.Number])),
  step: nullable(Schema.Number),
  enforceSchema: nullable(Schema.Boolean),
  enforceGenericValueType: nullable(Schema.Boolean)
}).pipe(Schema.encodeKeys({
  validValues: "valid_values",
  enforceSchema: "enforce_schema",
  enforceGenericValueType: "enforce_generic_value_type"
})).annotate({ identifier: "PinOptions" })
type PinOptionsT = typeof PinOptionsSchema.Type
type PinOptionsE = typeof PinOptionsSchema.Encoded
/** PinOptions in code. */
export interface PinOptionsType extends PinOptionsT {}
/** PinOptions on the wire. */
export interface PinOptionsWire extends PinOptionsE {}
export const PinOptions: Schema.Codec<PinOptionsType, PinOptionsWire> = PinOptionsSchema

/** A node's or layer's pin (`flow/pin.rs`); `defaultValue` is the UTF-8 bytes of the value's JSON text. */
const PinSchema = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  friendlyName: Schema.String,
  description: Schema.String,
  pinType: Schema.Literals(["Input", "Output"]),
  dataType: DataType,
  schema: nullable(Schema.String),
  valueType: ValueType,
  /** Pin ids this pin reads from (a `BTreeSet`: sorted, no duplicates). */
  dependsOn: Schema.Array(Schema.String),
  /** Pin ids this pin feeds (a `BTreeSet`). */
  connectedTo: Schema.Array(Schema.String),
  defaultValue: nullable(Schema.Array(U8)),
  index: U16,
  options: nullable(PinOptions)
}).pipe(Schema.encodeKeys({
  friendlyName: "friendly_name",
  pinType: "pin_type",
  dataType: "data_type",
  valueType: "value_type",
  dependsOn: "depends_on",
  connectedTo: "connected_to",
  defaultValue: "default_value"
})).annotate({ identifier: "Pin" })
type PinT = typeof PinSchema.Type
type PinE = typeof PinSchema.Encoded
/** Pin in code. */
export interface PinType extends PinT {}
/** Pin on the wire. */
export interface PinWire extends PinE {}
export const Pin: Schema.Codec<PinType, PinWire> = PinSchema

/** `NodeScores`: risk scores from 0 (low) to 10 (high). */
export const NodeScores = Schema.Struct({
  privacy: U8,
  security: U8,
  performance: U8,
  governance: U8,
  reliability: U8,
  cost: U8
}).annotate({ identifier: "NodeScores" })

/** `FnRefs`: the functions a node references. */
export const FnRefs = Schema.Struct({
  fnRefs: Schema.Array(Schema.String),
  canReferenceFns: Schema.Boolean,
  canBeReferencedByFns: Schema.Boolean
}).pipe(Schema.encodeKeys({
  fnRefs: "fn_refs",
  canReferenceFns: "can_reference_fns",
  canBeReferencedByFns: "can_be_referenced_by_fns"
})).annotate({ identifier: "FnRefs" })

/** `NodeWasm`: where an external node comes from (the server fills it from its registry). */
export const NodeWasm = Schema.Struct({
  packageId: Schema.String,
  permissions: Schema.optional(Schema.Array(Schema.String))
}).pipe(Schema.encodeKeys({ packageId: "package_id" })).annotate({ identifier: "NodeWasm" })

/** A node of a board (`flow/node.rs`), its pins keyed by pin id. */
const NodeSchema = Schema.Struct({
  id: Schema.String,
  /** The catalog name, e.g. `events_simple`. */
  name: Schema.String,
  friendlyName: Schema.String,
  description: Schema.String,
  coordinates: nullable(Coordinates),
  category: Schema.String,
  scores: nullable(NodeScores),
  pins: Schema.Record(Schema.String, Pin),
  start: nullable(Schema.Boolean),
  icon: nullable(Schema.String),
  comment: nullable(Schema.String),
  longRunning: nullable(Schema.Boolean),
  error: nullable(Schema.String),
  docs: nullable(Schema.String),
  eventCallback: nullable(Schema.Boolean),
  layer: nullable(Schema.String),
  hash: nullable(U64),
  fnRefs: nullable(FnRefs),
  oauthProviders: nullable(Schema.Array(Schema.String)),
  requiredOauthScopes: nullable(Schema.Record(Schema.String, Schema.Array(Schema.String))),
  /** `#[serde(default)]`: false when left out. */
  onlyOffline: Schema.optional(Schema.Boolean),
  version: nullable(U32),
  wasm: nullable(NodeWasm)
}).pipe(Schema.encodeKeys({
  friendlyName: "friendly_name",
  longRunning: "long_running",
  eventCallback: "event_callback",
  fnRefs: "fn_refs",
  oauthProviders: "oauth_providers",
  requiredOauthScopes: "required_oauth_scopes",
  onlyOffline: "only_offline"
})).annotate({ identifier: "Node" })
type NodeT = typeof NodeSchema.Type
type NodeE = typeof NodeSchema.Encoded
/** Node in code. */
export interface NodeType extends NodeT {}
/** Node on the wire. */
export interface NodeWire extends NodeE {}
export const Node: Schema.Codec<NodeType, NodeWire> = NodeSchema

/** A comment on a board (`flow/board.rs`). */
const CommentSchema = Schema.Struct({
  id: Schema.String,
  author: nullable(Schema.String),
  content: Schema.String,
  commentType: Schema.Literals(["Text", "Image", "Video"]),
  timestamp: SystemTime,
  coordinates: Coordinates,
  width: nullable(Schema.Number),
  height: nullable(Schema.Number),
  layer: nullable(Schema.String),
  color: nullable(Schema.String),
  zIndex: nullable(I32),
  hash: nullable(U64),
  isLocked: nullable(Schema.Boolean)
}).pipe(Schema.encodeKeys({ commentType: "comment_type", zIndex: "z_index", isLocked: "is_locked" })).annotate({
  identifier: "Comment"
})
type CommentT = typeof CommentSchema.Type
type CommentE = typeof CommentSchema.Encoded
/** Comment in code. */
export interface CommentType extends CommentT {}
/** Comment on the wire. */
export interface CommentWire extends CommentE {}
export const Comment: Schema.Codec<CommentType, CommentWire> = CommentSchema

/** A layer (a collapsed group, function or macro) of a board (`flow/board.rs`). */
const LayerSchema = Schema.Struct({
  id: Schema.String,
  parentId: nullable(Schema.String),
  name: Schema.String,
  type: Schema.Literals(["Function", "Macro", "Collapsed"]),
  nodes: Schema.Record(Schema.String, Node),
  variables: Schema.Record(Schema.String, Variable),
  comments: Schema.Record(Schema.String, Comment),
  coordinates: Coordinates,
  inCoordinates: nullable(Coordinates),
  outCoordinates: nullable(Coordinates),
  pins: Schema.Record(Schema.String, Pin),
  comment: nullable(Schema.String),
  error: nullable(Schema.String),
  color: nullable(Schema.String),
  hash: nullable(U64)
}).pipe(Schema.encodeKeys({ parentId: "parent_id", inCoordinates: "in_coordinates", outCoordinates: "out_coordinates" })).annotate({
  identifier: "Layer"
})
type LayerT = typeof LayerSchema.Type
type LayerE = typeof LayerSchema.Encoded
/** Layer in code. */
export interface LayerType extends LayerT {}
/** Layer on the wire. */
export interface LayerWire extends LayerE {}
export const Layer: Schema.Codec<LayerType, LayerWire> = LayerSchema

const command = <Tag extends string, Fields extends Schema.Struct.Fields, const Keys extends { readonly [K in keyof Fields]?: string }>(
  tag: Tag,
  fields: Fields,
  keys: Keys
) =>
  Schema.Struct({ commandType: Schema.Literal(tag), ...fields }).pipe(
    Schema.encodeKeys({ commandType: "command_type", ...keys })
  ).annotate({ identifier: `${tag}Command` })

const pinFields = { fromPin: Schema.String, toPin: Schema.String, fromNode: Schema.String, toNode: Schema.String }
const pinKeys = { fromPin: "from_pin", toPin: "to_pin", fromNode: "from_node", toNode: "to_node" } as const

/** Removes a comment (by its id). */
export const RemoveComment = command("RemoveComment", { comment: Comment }, {})
/** Adds or replaces a comment, placed in `currentLayer`; the answer carries the replaced one as `oldComment`. */
export const UpsertComment = command("UpsertComment", {
  comment: Comment,
  oldComment: nullable(Comment),
  currentLayer: nullable(Schema.String)
}, { oldComment: "old_comment", currentLayer: "current_layer" })
/** Adds a node, placed in `currentLayer`. */
export const AddNode = command("AddNode", { node: Node, currentLayer: nullable(Schema.String) }, { currentLayer: "current_layer" })
/** Pastes copies of nodes, comments and layers under new ids, moved by `offset`; the answer carries the copies. */
export const CopyPaste = command("CopyPaste", {
  originalNodes: Schema.Array(Node),
  originalComments: Schema.Array(Comment),
  originalLayers: Schema.Array(Layer),
  /** `#[serde(default)]`. */
  originalVariables: Schema.optional(Schema.Array(Variable)),
  newComments: Schema.Array(Comment),
  newNodes: Schema.Array(Node),
  newLayers: Schema.Array(Layer),
  currentLayer: nullable(Schema.String),
  oldMouse: nullable(Coordinates),
  offset: Coordinates
}, {
  originalNodes: "original_nodes",
  originalComments: "original_comments",
  originalLayers: "original_layers",
  originalVariables: "original_variables",
  newComments: "new_comments",
  newNodes: "new_nodes",
  newLayers: "new_layers",
  currentLayer: "current_layer",
  oldMouse: "old_mouse"
})
/** Moves a node, comment or layer (or a layer's `<id>-input` / `<id>-return` node); the answer carries `fromCoordinates`. */
export const MoveNode = command("MoveNode", {
  nodeId: Schema.String,
  fromCoordinates: nullable(Coordinates),
  toCoordinates: Coordinates,
  currentLayer: nullable(Schema.String)
}, { nodeId: "node_id", fromCoordinates: "from_coordinates", toCoordinates: "to_coordinates", currentLayer: "current_layer" })
/** Removes a node (by its id) and its connections; the answer lists the nodes that were connected to it. */
export const RemoveNode = command("RemoveNode", { node: Node, connectedNodes: Schema.Array(Node) }, { connectedNodes: "connected_nodes" })
/** Replaces a node; the answer carries the replaced one as `oldNode`. */
export const UpdateNode = command("UpdateNode", { oldNode: nullable(Node), node: Node }, { oldNode: "old_node" })
/** Removes the connection from one pin to another. */
export const DisconnectPin = command("DisconnectPin", pinFields, pinKeys)
/** Connects an output pin to an input pin. */
export const ConnectPin = command("ConnectPin", pinFields, pinKeys)
/** Adds or replaces a pin of a node; a new pin gets a new id and the next index. */
export const UpsertPin = command("UpsertPin", { nodeId: Schema.String, pin: Pin, oldPin: nullable(Pin) }, { nodeId: "node_id", oldPin: "old_pin" })
/** Removes a variable (by its id). */
export const RemoveVariable = command("RemoveVariable", { variable: Variable }, {})
/** Adds or replaces a variable; the answer carries the replaced one as `oldVariable`. */
export const UpsertVariable = command("UpsertVariable", { variable: Variable, oldVariable: nullable(Variable) }, { oldVariable: "old_variable" })
/** Adds or replaces a layer under `currentLayer` and moves the nodes, comments and layers of `nodeIds` into it. */
export const UpsertLayer = command("UpsertLayer", {
  oldLayer: nullable(Layer),
  layer: Layer,
  nodeIds: Schema.Array(Schema.String),
  currentLayer: nullable(Schema.String)
}, { oldLayer: "old_layer", nodeIds: "node_ids", currentLayer: "current_layer" })
/** Removes a layer: with `preserveNodes` its contents move up a level, otherwise they go with it. */
export const RemoveLayer = command("RemoveLayer", {
  layer: Layer,
  /** A `HashSet` on the server. */
  layerNodes: Schema.Array(Schema.String),
  childLayers: Schema.Array(Schema.String),
  layers: Schema.Array(Layer),
  nodes: Schema.Array(Node),
  preserveNodes: Schema.Boolean
}, { layerNodes: "layer_nodes", childLayers: "child_layers", preserveNodes: "preserve_nodes" })

/** `GenericCommand`, internally tagged by `command_type` (`commandType` in code). */
export const BoardCommand = Schema.Union([
  RemoveComment,
  UpsertComment,
  AddNode,
  CopyPaste,
  MoveNode,
  RemoveNode,
  UpdateNode,
  DisconnectPin,
  ConnectPin,
  UpsertPin,
  RemoveVariable,
  UpsertVariable,
  UpsertLayer,
  RemoveLayer
]).annotate({ identifier: "BoardCommand" })

/** One board command, in code. */
export type BoardCommand = typeof BoardCommand.Type
