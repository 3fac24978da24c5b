"""Use-cases of the credit bank: plain async functions taking explicit arguments.

They check permissions, change models inside a transaction and record audit entries. Nothing
here imports Strawberry or Starlette, so every use-case can run from a test, a CLI or a worker.
"""
