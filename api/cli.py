"""The `adrisk` command: train, score, explain, evaluate, serve. A thin shell over the library."""
from __future__ import annotations

import copy
import json
import sys
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

import typer

from classifier.artifact import ModelError, default_model_dir
from classifier.batch import AtomicOutput, InputError, Rejected, Writer, detect_format, read_rows

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Score job ads and messages for drug-courier "
                  "and scam recruitment bait.")


def _fail(message: str, code: int = 2):
    typer.echo(f"adrisk: {message}", err=True)
    raise typer.Exit(code)


def _scorer(model: Optional[Path], medium=None, high=None):
    from classifier.scorer import Scorer

    if medium is not None and high is not None and medium > high:
        _fail(f"--medium {medium} is above --high {high}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scorer = Scorer.load(model, medium, high)
    for w in caught:
        typer.echo(f"adrisk: warning: {w.message}", err=True)
    return scorer


ModelOpt = typer.Option(None, "--model", "-m", envvar="ADRISK_MODEL", help="Model folder (default: models/).")
MediumOpt = typer.Option(None, "--medium", min=0.0, max=1.0, help="Score from which risk is 'medium' (default: the model card's).")
HighOpt = typer.Option(None, "--high", min=0.0, max=1.0, help="Score from which risk is 'high' (default: the model card's).")


@app.command()
def train(data: list[Path] = typer.Option([], "--data", "-d", help="Labelled CSV/JSONL (text, label); repeatable."),
          out: Path = typer.Option(None, "--out", "-o", help="Model folder to write (default: models/)."),
          dev: Optional[Path] = typer.Option(None, "--dev", help="Labelled real data to report on in the card."),
          only_data: bool = typer.Option(False, "--only-data", help="Train on --data alone, without the project corpus."),
          folds: int = typer.Option(3, "--folds", help="Cross-validation folds."),
          text_field: str = typer.Option("text", "--text-field", help="Column or key holding the text in --data."),
          label_field: str = typer.Option("label", "--label-field", help="Column or key holding the label in --data."),
          tune: bool = typer.Option(False, "--tune", help="Choose C by cross-validated PR-AUC (five trainings)."),
          feedback: Optional[str] = typer.Option(None, "--feedback", help="A review store (database URL or SQLite "
                                                 "file): also learn from its moderators' verdicts, into a new folder."),
          model: Optional[Path] = typer.Option(None, "--model", "-m", envvar="ADRISK_MODEL", help="With --feedback: "
                                               "the model whose vocabulary the stored features use (default: models/).")):
    """Train a model on the project corpus plus your labelled files, and write it with its card."""
    from training.corpus import DataError
    from training.train import train as run

    if feedback:
        return _train_from_feedback(feedback, data, out, model, dev, only_data, folds, tune)
    try:
        card = run(data, out or default_model_dir(), dev=dev, project_corpus=not only_data, cv_folds=folds,
                   log=lambda m: typer.echo(m, err=True), text_field=text_field, label_field=label_field,
                   tune=tune)
    except (DataError, ValueError) as e:
        _fail(str(e))
    typer.echo(f"model {card['version']} written to {out or default_model_dir()} in {card['train_seconds']} s", err=True)


def _train_from_feedback(url, data, out, model, dev, only_data, folds, tune) -> None:
    from training.corpus import DataError
    from training.feedback import default_out_dir, store_url, train_from_feedback

    if only_data or tune:
        _fail("--feedback trains on the project corpus plus the verdicts: --only-data and --tune do not apply")
    served = (model or default_model_dir()).resolve()
    out = (out or default_out_dir(served)).resolve()
    if out == served or (out / "card.json").exists():
        _fail(f"{out} holds a model already: retraining from feedback never writes over one (give a new --out)")
    try:
        card = train_from_feedback(store_url(url), out, model or default_model_dir(), data, folds, dev,
                                   log=lambda m: typer.echo(m, err=True))
    except (DataError, ModelError, ValueError) as e:
        _fail(str(e))
    used = card["feedback"]["verdicts_used"]
    typer.echo(f"model {card['version']} ({used} verdicts, {card['feedback']['mode'].replace('_', ' ')}) written to "
               f"{out} in {card['train_seconds']} s; serve it with ADRISK_MODEL={out} (or POST /admin/reload)", err=True)


@app.command()
def score(input: str = typer.Argument(..., help="JSONL, CSV, TXT or Parquet file; '-' for stdin."),
          output: Optional[str] = typer.Option(None, "--output", "-o", help="Output file (default: stdout)."),
          model: Optional[Path] = ModelOpt,
          fmt: Optional[str] = typer.Option(None, "--format", help="Input format (default: from the extension)."),
          out_fmt: Optional[str] = typer.Option(None, "--output-format", help="jsonl, csv or parquet."),
          text_field: str = typer.Option("text", "--text-field", "--column", help="Column or key holding the text."),
          errors: Optional[Path] = typer.Option(None, "--errors", help="Also write rejected rows to this JSONL file."),
          workers: int = typer.Option(1, "--workers", "-w", min=1, help="Scoring processes."),
          no_reasons: bool = typer.Option(False, "--no-reasons", help="Skip reasons and flags (faster)."),
          progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."),
          medium: Optional[float] = MediumOpt, high: Optional[float] = HighOpt,
          engine: str = typer.Option("local", "--engine", help="local, or dask: files (a path or glob) scored on a "
                                     "Dask cluster into a Parquet folder given by --output."),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a "
                                                  "local cluster of --workers processes).")):
    """Score every row; one JSON object per row, in input order, with the input's id."""
    from classifier.stream import score_stream

    if engine == "dask":
        return _score_on_dask(input, output, fmt, text_field, model, scheduler, workers)
    if engine != "local":
        _fail(f"unknown engine {engine!r}: use local or dask")

    try:
        rows = read_rows(input, fmt, text_field)
        out_format = out_fmt or (detect_format(output) if output else "jsonl")
        if out_format not in ("jsonl", "csv", "parquet"):
            _fail(f"unknown output format {out_format!r}: use jsonl, csv or parquet")
        if out_format == "parquet" and not output:
            _fail("Parquet output needs --output FILE")
        scorer = _scorer(model, medium, high) if workers == 1 else None
        if scorer is None:
            _scorer(model)  # fail fast, with a clean message, before starting workers
    except (InputError, ModelError) as e:
        _fail(str(e))
    show = sys.stderr.isatty() if progress is None else progress
    with ExitStack() as stack:  # every file here appears only if the run completes
        err_stream = stack.enter_context(AtomicOutput(str(errors))) if errors else None

        def on_reject(r: Rejected):
            typer.echo(f"adrisk: line {r.line}: {r.reason}", err=True)
            if err_stream:
                err_stream.write(json.dumps({"line": r.line, "reason": r.reason, "raw": r.raw}, ensure_ascii=False) + "\n")

        bar = None
        if show:
            from tqdm import tqdm

            bar = stack.enter_context(tqdm(unit=" rows", file=sys.stderr))
        stream = stack.enter_context(AtomicOutput(output, binary=out_format == "parquet")) if output else sys.stdout
        writer = Writer(stream, out_format)
        try:
            summary = score_stream(rows, writer, on_reject, scorer=scorer, model_dir=model, workers=workers,
                                   explain=not no_reasons, progress=bar.update if bar else None,
                                   medium=medium, high=high)
        except InputError as e:
            _fail(str(e))
        writer.close()
        stream.flush()
    if writer.dropped:
        typer.echo(f"adrisk: warning: column(s) {', '.join(sorted(writer.dropped))} first appear after the table's "
                   f"columns were fixed and are not in the {out_format.upper()} output (JSONL keeps every key)", err=True)
    typer.echo(f"adrisk: rows read {summary.read}, scored {summary.scored}, rejected {summary.rejected}", err=True)
    if summary.rejected:
        raise typer.Exit(1)


def _score_on_dask(pattern, output, fmt, text_field, model, scheduler, workers) -> None:
    from classifier.frames import score_files_on_dask

    if not output:
        _fail("--engine dask writes a Parquet folder: give --output DIR")
    try:
        given = fmt or detect_format(pattern.replace("*", "x"))
        rows = score_files_on_dask(pattern, output, given, text_field, str(model) if model else None, scheduler,
                                   workers)
    except (InputError, ValueError, FileExistsError, FileNotFoundError, OSError) as e:
        _fail(str(e))
    typer.echo(f"adrisk: rows scored {rows}, written to {output}", err=True)


@app.command()
def explain(text: str = typer.Argument(..., help="The text, or '-' to read it from stdin."),
            model: Optional[Path] = ModelOpt, as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
            medium: Optional[float] = MediumOpt, high: Optional[float] = HighOpt):
    """Score one text and show why: highlighted phrases, red flags and the risk band."""
    from .render import render_result

    if text == "-":
        text = sys.stdin.read()
    try:
        result = _scorer(model, medium, high).explain(text)
    except ModelError as e:
        _fail(str(e))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        render_result(text, result)


@app.command()
def evaluate(file: Path = typer.Argument(..., help="Labelled JSONL/CSV with text, label (and group)."),
             model: Optional[Path] = ModelOpt, as_json: bool = typer.Option(False, "--json"),
             text_field: str = typer.Option("text", "--text-field", help="Column or key holding the text."),
             label_field: str = typer.Option("label", "--label-field", help="Column or key holding the label.")):
    """Print the real-data metrics (ROC-AUC, PR-AUC, recall at 1% FPR, false alarms per group, ECE)."""
    from training.corpus import DataError
    from training.metrics import format_report
    from training.train import evaluate_file

    try:
        r = evaluate_file(_scorer(model), file, text_field, label_field)
    except (ModelError, DataError) as e:
        _fail(str(e))
    typer.echo(json.dumps(r, indent=2) if as_json else format_report(r))


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          model: Optional[Path] = ModelOpt, workers: int = typer.Option(1, "--workers")):
    """Serve the HTTP API (docs at /docs)."""
    import os

    import uvicorn

    from pydantic import ValidationError

    from .settings import ApiSettings

    if model:
        os.environ["ADRISK_MODEL"] = str(model)
    try:
        ApiSettings()  # a bad ADRISK_* setting is one line here, not a traceback from every worker
        _scorer(model)
    except ValidationError as e:
        _fail("; ".join(f"{'.'.join(map(str, err['loc'])) or 'settings'}: {err['msg']}" for err in e.errors()))
    except ModelError as e:
        _fail(str(e))
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)  # our request log (with request ids) beside uvicorn's
    log_config["loggers"]["adrisk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=False, log_config=log_config)


def main():
    app()
