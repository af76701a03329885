"""The query-plan executor (issue 18): what graphql-core works out for every object of a
response — which fields, their arguments, how to read and how to serialize each value — worked
out once per operation and kept, then run by a small executor over the plan.

It is an accelerator, never a second meaning: an operation the plan cannot express
(introspection, `@defer`, a resolver middleware) runs on graphql-core unchanged, and the value
completion it does mirrors graphql-core's step for step, down to the error texts and paths.
Mutations run from their plan too, root field after root field; a bulk write's variables are
coerced by coercers built once per input type and its field runs from the coerced arguments,
without Strawberry's input objects (mutation.py, inputs.py).
"""
