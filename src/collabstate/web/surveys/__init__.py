"""Survey waves, invitations and respondents' pages."""
