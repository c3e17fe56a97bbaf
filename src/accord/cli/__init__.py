"""The ``accord`` command line: a thin layer over the core (Typer and Rich).

Each command group lives in its own module and registers itself on :data:`app`; the modules
import only Typer at their top and everything else inside the command that needs it, so that
``accord --help`` and ``accord validate`` start fast (``tests/cli/test_lazy_imports.py``);
bad input (an :class:`~accord.errors.InputError`) prints one line and exits with code 2.
"""

from __future__ import annotations

import copy
import importlib
import sys
from typing import TYPE_CHECKING

import typer

from accord import __version__
from accord.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="accord",
    help="Forecast multi-party negotiations: who wants a deal, where it lands, whether it holds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: flags show as flags (rich help prints "<bool>" beside them), wrapped to the terminal
    rich_markup_mode=None,
)

# modules that add commands to `app`, in help order
COMMAND_MODULES: tuple[str, ...] = (
    "accord.cli.core",
    "accord.cli.analyze",
    "accord.cli.simulate",
    "accord.cli.durability",
    "accord.cli.backtest",
    "accord.cli.report",
    "accord.cli.crisis",
    "accord.cli.serve",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"accord {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """accord: forecast multi-party negotiations."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning bad input into one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    if args and not args[0].startswith("-"):  # a command, which may build pydantic models
        from accord.cli.plugins import skip_scan_without_plugins

        skip_scan_without_plugins()
    try:
        rc = _app_for(args)(args=argv, standalone_mode=False)
    except InputError as exc:
        _stderr().print(f"[bold red]error:[/] {exc}", markup=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        _stderr().print("aborted")
        return 1
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (a Dask cluster closes on the way out)
        _stderr().print("interrupted")
        return 130
    except Exception as exc:
        # usage errors carry their own exit code; recent typer raises those of its vendored copy of
        # click, which are not click.ClickException, so recognise them by their interface
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            # a bare `accord` asks for help: that is not an error
            return 0 if type(exc).__name__ == "NoArgsIsHelpError" else code
        raise
    return rc if isinstance(rc, int) else 0


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command that ``args`` name, where they start with one.

    Typer builds the click parameters of every command before it runs one (about 0.03 s for all
    of accord's); the command runs, parses and prints its help and errors the same either way.
    """
    if not args:
        return app
    only = [
        c
        for c in app.registered_commands
        if c.callback is not None and (c.name or typer.main.get_command_name(c.callback.__name__)) == args[0]
    ]
    if len(only) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = only
    one.registered_groups = []
    return one


def _stderr() -> Console:
    from rich.console import Console  # Rich loads only when there is something to print

    return Console(stderr=True, highlight=False, soft_wrap=True)


def run() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
