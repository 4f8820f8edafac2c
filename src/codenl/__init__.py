"""codenl: do LLMs reason better in code than in natural language?"""

__version__ = "0.1.0"
