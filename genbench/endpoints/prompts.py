"""How a task's requests become prompts. Each task kind has a fixed default template; an endpoint may
override it per task. The template's hash goes into every signature of the endpoint's scores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from genbench.errors import InputError

# protocol → (placeholder the template must hold, default template)
DEFAULTS: dict[str, tuple[str | None, str]] = {
    "translate": ("{source}", "Translate this Spanish Bible verse into English. Answer with the English "
                              "translation only, on one line.\n\n{source}"),
    "conditional": ("{class_name}", "{class_name}"),
    "sample": (None, "a handwritten digit"),
    # Scored through /v1/completions: the text between a start marker (the first token has no
    # log-probability of its own) and an end marker (the end-of-text every verse is scored with).
    "text_likelihood": ("{text}", "<|endoftext|>{text}<|endoftext|>"),
}


@dataclass(frozen=True)
class Template:
    protocol: str
    text: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.protocol}\n{self.text}".encode()).hexdigest()

    def render(self, value: str | None = None) -> str:
        placeholder = DEFAULTS[self.protocol][0]
        return self.text if placeholder is None else self.text.replace(placeholder, value or "")

    @property
    def around(self) -> tuple[str, str]:
        """The text before and after the placeholder."""
        placeholder = DEFAULTS[self.protocol][0]
        head, _, tail = self.text.partition(placeholder) if placeholder else (self.text, "", "")
        return head, tail

    def parse(self, prompt: str) -> str | None:
        """The value a rendered prompt was made from (what ``genbench serve`` hands its model), or
        None when ``prompt`` was not made from this template."""
        placeholder = DEFAULTS[self.protocol][0]
        if placeholder is None:
            return ""
        head, tail = self.around
        if len(prompt) < len(head) + len(tail) or not prompt.startswith(head) or not prompt.endswith(tail):
            return None
        return prompt[len(head):len(prompt) - len(tail)]


def template_for(protocol: str, override: str | None, where: str) -> Template:
    if protocol not in DEFAULTS:
        raise InputError(f"{where}: endpoints cannot answer {protocol!r} tasks yet; they answer "
                         f"{', '.join(sorted(DEFAULTS))}.")
    placeholder, default = DEFAULTS[protocol]
    text = default if override is None else override
    if placeholder is not None and text.count(placeholder) != 1:
        raise InputError(f"{where}: the prompt template for {protocol} tasks must hold {placeholder} exactly once.")
    if protocol == "text_likelihood" and (text.startswith(placeholder) or text.endswith(placeholder)):
        raise InputError(f"{where}: the prompt template for text likelihood must put a start marker before {{text}} "
                         "(the first token has no log-probability) and an end marker after it (the end-of-text "
                         "every text is scored with), e.g. \"<|endoftext|>{text}<|endoftext|>\".")
    return Template(protocol, text)
