"""``{% load sharing %}{% shared_links_block %}``: the wave page's block Shared links (its wave and
the person's membership taken from the page), kept apart from the page's own context so the wave
page needs one line for it (:mod:`..sharing`)."""

from django import template

from ..sharing import block

register = template.Library()


@register.inclusion_tag("workspace/_shared_links.html", takes_context=True)
def shared_links_block(context) -> dict:
    return {**block(context["wave"], context["membership"]), "csrf_token": context.get("csrf_token")}
