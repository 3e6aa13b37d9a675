"""The control API (`/sandbox/v1/`): what a test suite uses to play the agent side and watch.

Authenticated like the Chat Gateway (`x-api-key`, `X-8x8-Tenant`); creating and deleting
customers takes the sandbox's admin key. Every action calls the same services as the desk.
"""
