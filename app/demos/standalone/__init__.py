"""An experiment outside the app: its source for the "코드 보기" panel, and a standalone script.

``source.py`` reads the installed experiment module's own source and highlights it once per process.
``bundle.py`` writes ``kb demo export``'s script: the experiment module and the app modules it imports,
verbatim, with pydantic replaced by ``pydantic.py`` here, so it runs with plain Python and torch.
"""
