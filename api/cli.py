"""The `adrisk` command: train, score, explain, evaluate, serve. A thin shell over the library.

Built on click itself: typer 0.29 built a pydantic TypeAdapter for every parameter on each run, 75 ms of a
0.3 s start that a batch run pays again every time."""
from __future__ import annotations

import copy
import json
import os
import signal
import sys
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

# Set before numpy loads. The model's matrix products are a batch's rows by a few dozen columns: BLAS threads only
# spin after each one, and beside scoring workers or server processes they take CPU from them. One thread each,
# unless the environment already says.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import click
import orjson

from classifier.artifact import ModelError, default_model_dir
from classifier.batch import FORMATS, AtomicOutput, InputError, Rejected, detect_format, read_rows
from classifier.campaigns import THRESHOLD

PATH = click.Path(path_type=Path)


# plain click help: it wraps long option names and help at the terminal's width (up to 120 columns) and never
# cuts them
@click.group(no_args_is_help=True, context_settings={"max_content_width": 120, "show_default": True})
def app():
    """Score job ads and messages for drug-courier and scam recruitment bait."""


def _output(stack: ExitStack, path) -> object:
    """A binary output file that appears only when complete (AtomicOutput), or one line if it cannot be made."""
    try:
        return stack.enter_context(AtomicOutput(str(path), binary=True))
    except OSError as e:
        _fail(f"cannot write {path}: {e.strerror or e}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fail(message: str, code: int = 2):
    click.echo(f"adrisk: {message}", err=True)
    raise click.exceptions.Exit(code)


def _scorer(model: Optional[Path], medium=None, high=None, card_warnings: bool = False,
            names: tuple[str, str] = ("--medium", "--high")):
    """The loaded model; load warnings (and, with card_warnings, the card's own) go to stderr. names: what the
    user set the thresholds with, for the message when medium is above high."""
    from classifier.scorer import Scorer

    if medium is not None and high is not None and medium > high:
        _fail(f"{names[0]} {medium} is above {names[1]} {high}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scorer = Scorer.load(model, medium, high)
    for message in [str(w.message) for w in caught] + (list(scorer.card.get("warnings", [])) if card_warnings else []):
        click.echo(f"adrisk: warning: {message}", err=True)
    return scorer


def _rejection_reporter(errors: Optional[Path], stack: ExitStack):
    """on_reject for a run: each rejected row on stderr by its line (row, element) and, with --errors, in that
    JSONL file, which appears only if the run completes."""
    err_stream = _output(stack, errors) if errors else None

    def on_reject(r: Rejected):
        click.echo(f"adrisk: {r.unit} {r.line}: {r.reason}", err=True)
        if err_stream:
            err_stream.write(orjson.dumps({r.unit: r.line, "reason": r.reason, "raw": r.raw},
                                          option=orjson.OPT_APPEND_NEWLINE))

    return on_reject


def model_opt(help: str = "Model folder (default: the project's models/, beside classifier/, whatever the "
                          "current folder)."):
    return click.option("--model", "-m", type=PATH, envvar="ADRISK_MODEL", show_envvar=True, help=help)


def _options(*decorators):
    """One decorator applying several click options, in the order given."""
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


bands_and_reveal = _options(
    click.option("--medium", type=click.FloatRange(0.0, 1.0),
                 help="Score from which risk is 'medium' (default: the model card's)."),
    click.option("--high", type=click.FloatRange(0.0, 1.0), help="Score from which risk is 'high' (default: the model card's)."),
    click.option("--reveal", is_flag=True, show_default=False,
                 help="Show card numbers in full (default: masked as 4400 43** **** 1234)."))


@app.command()
@click.option("--data", "-d", type=PATH, multiple=True, show_default=False,
              help="Labelled CSV/JSONL (text, label: drug_courier, scam_recruitment, legit_job, not_recruitment, "
                   "or 1/0 for scam/not); repeatable.")
@click.option("--out", "-o", type=PATH,
              help="Model folder to write (default: the project's models/, beside classifier/).")
@click.option("--dev", type=PATH, help="Labelled real data to report on in the card.")
@click.option("--only-data", is_flag=True, show_default=False, help="Train on --data alone, without the project corpus.")
@click.option("--folds", type=int, default=3, help="Cross-validation folds.")
@click.option("--text-field", default="text", help="Column or key holding the text in --data.")
@click.option("--label-field", default="label", help="Column or key holding the label in --data.")
@click.option("--tune", is_flag=True, show_default=False, help="Choose C by cross-validated PR-AUC (five trainings).")
@click.option("--prior", type=float, help="Share of bait in the traffic you will score (calibration and bands; "
              "default: the project's assumption, 0.15, or your data's own share with --only-data).")
@click.option("--force", is_flag=True, show_default=False, help="Replace the model already in the output folder.")
@click.option("--feedback", help="A review store (database URL or SQLite file): also learn from its moderators' "
              "verdicts, into a new folder.")
@model_opt("With --feedback: the model whose vocabulary the stored features use (default: the project's "
           "models/).")
def train(data, out, dev, only_data, folds, text_field, label_field, tune, prior, force, feedback, model):
    """Train a model and write it with its card. Trains on the project corpus plus your labelled files (or
    those alone with --only-data); refuses to replace an existing model without --force."""
    data = list(data)
    from classifier.artifact import CARD_FILE, MODEL_FILE
    from training.corpus import DataError
    from training.train import train as run

    if feedback:
        return _train_from_feedback(feedback, data, out, model, dev, only_data, folds, tune)
    target = Path(out or default_model_dir())
    if not force and any((target / f).exists() for f in (CARD_FILE, MODEL_FILE)):
        _fail(f"{target} already holds a model; give --force to replace it, or --out for another folder")
    try:
        card = run(data, target, dev=dev, project_corpus=not only_data, cv_folds=folds,
                   log=lambda m: click.echo(m, err=True), text_field=text_field, label_field=label_field,
                   tune=tune, prior=prior)
    except (DataError, ValueError) as e:
        _fail(str(e))
    click.echo(f"model {card['version']} written to {target} in {card['train_seconds']} s", err=True)


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
                                   log=lambda m: click.echo(m, err=True))
    except (DataError, ModelError, ValueError) as e:
        _fail(str(e))
    used = card["feedback"]["verdicts_used"]
    mode = card["feedback"]["mode"].replace("_", " ")
    click.echo(f"model {card['version']} ({_count(used, 'verdict')}, {mode}) written to {out} in "
               f"{card['train_seconds']} s; serve it with ADRISK_MODEL={out} (or POST /admin/reload)", err=True)


@app.command()
@click.argument("input", help="A .jsonl, .json (an array or JSON lines), .csv, .tsv, .txt, .xlsx or .parquet file; "
                "'-' for stdin (JSON lines or an array).")
@click.option("--output", "-o", help="Output file: .jsonl, .csv or .parquet (default: JSONL to stdout).")
@model_opt()
@click.option("--format", "fmt", help=f"Input format, one of {', '.join(FORMATS)} (default: from the extension).")
@click.option("--output-format", "out_fmt", help="jsonl, csv or parquet (default: from the output file's extension).")
@click.option("--text-field", "--column", "text_field", default="text", help="Column or key holding the text.")
@click.option("--id-column", "id_field", default="id", help="Column or key holding the row's id.")
@click.option("--delimiter", help="CSV/TSV field delimiter, one character or 'tab' (default: sniffed from the header "
              "line).")
@click.option("--encoding", help="Input encoding, e.g. cp1251 or koi8-r (default: UTF-8, or CP1251 when CSV/TSV/TXT "
              "bytes say so).")
@click.option("--echo-text", is_flag=True, show_default=False, help="Copy each row's text into the output.")
@click.option("--errors", type=PATH, help="Also write rejected rows to this JSONL file.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, help="Scoring processes.")
@click.option("--reasons", type=click.Choice(["all", "flagged", "none"]), default="flagged",
              help="Which rows get reasons, lowering phrases and flags: flagged means rows at or above the medium band.")
@click.option("--no-reasons", is_flag=True, show_default=False, help="Same as --reasons none.")
@click.option("--progress/--no-progress", default=None, show_default=False, help="Progress bar (default: on a terminal).")
@bands_and_reveal
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", help="local, or dask: files (a path "
              "or glob) scored on a Dask cluster into a Parquet folder given by --output.")
@click.option("--scheduler", help="Dask scheduler address (default: a local cluster of --workers processes).")
def score(input, output, model, fmt, out_fmt, text_field, id_field, delimiter, encoding, echo_text, errors, workers,
          reasons, no_reasons, progress, medium, high, reveal, engine, scheduler):
    """Score a file or stdin, one result per row. Results come in input order with the input's id; bad rows
    are reported with their line number and the rest scored."""
    from classifier.stream import score_stream, settle_gc
    from classifier.writers import Writer, output_format

    explain_mode = {"all": True, "flagged": "flagged", "none": False}["none" if no_reasons else reasons]
    if engine == "dask":
        return _score_on_dask(input, output, fmt, text_field, model, scheduler, workers)
    if output == "-":
        output = None
    for path, what in ((output, "--output"), (errors, "--errors")):
        if path is not None and Path(path).is_dir():
            _fail(f"{what} {path} is a folder; give a file name")
    try:
        out_format = output_format(output, out_fmt)
        if out_format == "parquet" and not output:
            _fail("Parquet output needs --output FILE")
        rows = read_rows(input, fmt, text_field, id_field, encoding, delimiter)
        # loaded before any worker starts: a clean message if it fails, and forked workers inherit it
        scorer = _scorer(model, medium, high, card_warnings=True)
    except (InputError, ModelError) as e:
        _fail(str(e))
    for note in rows.notes:
        click.echo(f"adrisk: {note}", err=True)
    settle_gc()
    show = sys.stderr.isatty() if progress is None else progress
    with ExitStack() as stack:  # every file here appears only if the run completes
        on_reject = _rejection_reporter(errors, stack)

        bar = None
        if show:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: workers are forked from this process
            bar = stack.enter_context(tqdm(unit=" rows", file=sys.stderr))
        if output:
            stream = _output(stack, output)
        else:
            sys.stdout.flush()
            stream = sys.stdout.buffer
        writer = Writer(stream, out_format, echo_text=text_field if echo_text else None)
        try:
            summary = score_stream(rows, writer, on_reject, scorer=scorer, model_dir=model, workers=workers,
                                   explain=explain_mode, progress=bar.update if bar else None,
                                   medium=medium, high=high, reveal=reveal)
        except InputError as e:  # the input broke off: on stdout the rows before it stand (a file is not kept)
            if not output:
                writer.close()
                stream.flush()
            _fail(str(e))
        writer.close()
        stream.flush()
    if writer.dropped:
        click.echo(f"adrisk: warning: column(s) {', '.join(sorted(writer.dropped))} first appear after the table's "
                   f"columns were fixed and are not in the {out_format.upper()} output (JSONL keeps every key)", err=True)
    click.echo(f"adrisk: rows read {summary.read}, scored {summary.scored}, rejected {summary.rejected}", err=True)
    global _written
    _written = True
    if summary.rejected:
        raise click.exceptions.Exit(1)


def _score_on_dask(pattern, output, fmt, text_field, model, scheduler, workers) -> None:
    from classifier.frames import score_files_on_dask

    if not output:
        _fail("--engine dask writes a Parquet folder: give --output DIR")
    try:
        given = fmt or detect_format(pattern.replace("*", "x"))
        given = "jsonl" if given == "json" else given  # the dask engine reads JSON lines
        rows = score_files_on_dask(pattern, output, given, text_field, str(model) if model else None, scheduler,
                                   workers)
    except (InputError, FileExistsError, FileNotFoundError, OSError) as e:
        _fail(str(e))
    except ValueError as e:  # pandas' readers stop at the first bad row and do not say its line
        _fail(f"{e}\nthe dask engine reads with pandas, which stops at a malformed row; the local engine "
              "(without --engine dask) reports each bad row by its line and scores the rest")
    click.echo(f"adrisk: rows scored {rows}, written to {output}", err=True)


@app.command()
@click.argument("text", help="The text, or '-' to read it from stdin.")
@model_opt()
@click.option("--json", "as_json", is_flag=True, show_default=False, help="Print the result as JSON.")
@bands_and_reveal
def explain(text, model, as_json, medium, high, reveal):
    """Score one text and show why. Shows the highlighted phrases, red flags, indicators and the risk band."""
    from .render import render_result

    if text == "-":
        text = sys.stdin.read()
    try:
        result = _scorer(model, medium, high).explain(text, reveal=reveal)
    except ModelError as e:
        _fail(str(e))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        render_result(text, result)


@app.command()
@click.argument("file", type=PATH, help="Labelled JSONL/CSV with text, label (and group).")
@model_opt()
@click.option("--json", "as_json", is_flag=True, show_default=False, help="Print the report as JSON.")
@click.option("--text-field", default="text", help="Column or key holding the text.")
@click.option("--label-field", default="label", help="Column or key holding the label.")
def evaluate(file, model, as_json, text_field, label_field):
    """Print real-data metrics for a labelled file. ROC-AUC, PR-AUC, recall at 1% FPR, false alarms per group
    and ECE."""
    from training.corpus import DataError
    from training.metrics import format_report
    from training.train import evaluate_file

    try:
        r = evaluate_file(_scorer(model), file, text_field, label_field)
    except (ModelError, DataError) as e:
        _fail(str(e))
    click.echo(json.dumps(r, indent=2) if as_json else format_report(r))


@app.command()
@click.option("--host", default="127.0.0.1", help="Address to listen on.")
@click.option("--port", type=int, default=8000, help="Port to listen on.")
@model_opt()
@click.option("--workers", type=click.IntRange(min=1), help="Server processes (default: one per CPU core this process "
              "may use).")
def serve(host, port, model, workers):
    """Serve the HTTP API (docs at /docs)."""
    import logging.config
    import os

    import uvicorn

    from pydantic import ValidationError

    from . import workers as server_workers
    from .settings import ApiSettings

    workers = workers or len(os.sched_getaffinity(0))

    if model:
        os.environ["ADRISK_MODEL"] = str(model)
    try:
        settings = ApiSettings()  # a bad ADRISK_* setting is one line here, not a traceback from every worker
        _scorer(model, settings.medium, settings.high, card_warnings=True, names=("ADRISK_MEDIUM", "ADRISK_HIGH"))
    except ValidationError as e:
        _fail("; ".join(f"{'.'.join(map(str, err['loc'])) or 'settings'}: {err['msg']}" for err in e.errors()))
    except ModelError as e:
        _fail(str(e))
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)  # our request log (with request ids) beside uvicorn's
    log_config["loggers"]["adrisk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config = {"app": "api.app:create_app", "factory": True, "log_level": "info", "access_log": False,
              "log_config": log_config}
    if workers > 1 and server_workers.supported():  # each worker on a socket of its own: see api.workers
        logging.config.dictConfig(log_config)
        try:
            server_workers.serve(config, host, port, workers)
        except OSError as e:
            _fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
        return
    uvicorn.run(**config, host=host, port=port, workers=workers)


def _table_output(output: Optional[str], out_fmt: Optional[str]) -> str:
    out_format = out_fmt or (detect_format(output) if output else "jsonl")
    if out_format not in ("jsonl", "csv", "parquet"):
        _fail(f"unknown output format {out_format!r}: use jsonl, csv or parquet")
    if out_format == "parquet" and not output:
        _fail("Parquet output needs --output FILE")
    return out_format


def _write_table(records: list[dict], columns: list[str], output: Optional[str], out_format: str) -> None:
    """Records to stdout or to a file that appears only when complete, with these columns for CSV/Parquet."""
    from classifier.writers import write_table

    with ExitStack() as stack:
        stream = _output(stack, output) if output else sys.stdout.buffer
        sys.stdout.flush()
        write_table(stream, out_format, records, columns)
        stream.flush()


def _each_scored(input, fmt, text_field, errors, model, medium, high, stack, summary):
    """(row, record) of every good row of a file, rejected rows reported by line as `adrisk score` does."""
    from classifier.stream import scored_rows

    try:
        rows = read_rows(input, fmt, text_field)
        scorer = _scorer(model, medium, high)
    except (InputError, ModelError) as e:
        _fail(str(e))
    return scorer, scored_rows(rows, scorer, _rejection_reporter(errors, stack), summary, reveal=True)


table_input = _options(
    click.argument("input", help="JSONL, CSV, TXT or Parquet file; '-' for stdin."),
    click.option("--output", "-o", help="Output file (default: stdout, JSONL)."),
    model_opt(),
    click.option("--format", "fmt", help="Input format (default: from the extension)."),
    click.option("--output-format", "out_fmt", help="jsonl, csv or parquet."),
    click.option("--text-field", "--column", "text_field", default="text", help="Column or key holding the text."),
    click.option("--time-field", help="Column or key with each row's time (ISO text) for first/last seen."))
errors_opt = click.option("--errors", type=PATH, help="Also write rejected rows to this JSONL file.")


@app.command()
@table_input
@errors_opt
@bands_and_reveal
def indicators(input, output, model, fmt, out_fmt, text_field, time_field, errors, medium, high, reveal):
    """List the indicators of a file, riskiest first. One row per distinct handle, bot, phone, card, IBAN,
    wallet or link: texts carrying it, how many score >= medium, highest score, first and last ids, categories."""
    from classifier.batch import Summary
    from classifier.indicator_table import COLUMNS, IndicatorTable

    out_format = _table_output(output, out_fmt)
    table, summary = IndicatorTable(), Summary()
    with ExitStack() as stack:
        scorer, scored = _each_scored(input, fmt, text_field, errors, model, medium, high, stack, summary)
        try:
            for row, rec in scored:
                table.add(row.id, rec["score"], rec["risk"] != "low", rec["category"], rec["indicators"],
                          row.extra.get(time_field) if time_field else None)
        except InputError as e:
            _fail(str(e))
        _write_table(table.rows(reveal), list(COLUMNS), output, out_format)
    click.echo(f"adrisk: rows read {summary.read}, scored {summary.scored}, rejected {summary.rejected}; "
               f"{len(table)} distinct indicators", err=True)
    if summary.rejected:
        raise click.exceptions.Exit(1)


@app.command()
@table_input
@click.option("--threshold", type=click.FloatRange(0.05, 0.95), default=THRESHOLD, help=(
    "Estimated Jaccard similarity of character 5-grams of the normalized letters from which two texts are linked. "
    "0.4 was chosen on generated variants of 40 ads: purity 1.000 and completeness 0.992 on reposts with other digits "
    "and handles, each disguised 15 ways (0.951 at 0.5, 0.828 at 0.6); see README."))
@click.option("--min-size", type=click.IntRange(min=1), default=2, help="Smallest campaign to write.")
@errors_opt
@bands_and_reveal
def campaigns(input, output, model, fmt, out_fmt, text_field, time_field, threshold, min_size, errors, medium, high,
              reveal):
    """Group near-duplicate texts into campaigns. MinHash LSH over normalized shingles; for each campaign its
    size, a representative text, ids, shared indicators, score range, texts >= medium, first and last ids (and
    seen, with --time-field); largest first."""
    from classifier.batch import Summary
    from classifier.campaigns import CampaignFinder, summarize
    from classifier.indicators import mask_card

    out_format = _table_output(output, out_fmt)
    finder, summary = CampaignFinder(threshold), Summary()
    ids, texts, scores, risky, found, seen = [], [], [], [], [], []
    with ExitStack() as stack:
        scorer, scored = _each_scored(input, fmt, text_field, errors, model, medium, high, stack, summary)
        try:
            for row, rec in scored:
                finder.add(len(ids), row.text)
                ids.append(row.id)
                texts.append(row.text)
                scores.append(rec["score"])
                risky.append(rec["risk"] != "low")
                found.append([{"kind": i["kind"], "normalized": i["normalized"]} for i in rec["indicators"]])
                seen.append(row.extra.get(time_field) if time_field else None)
        except InputError as e:
            _fail(str(e))
        records = summarize(finder, ids, texts, scores, risky, found, seen if time_field else None, min_size)
        if not reveal:
            for r in records:
                for i in r["indicators"]:
                    if i["kind"] == "card":
                        i["normalized"] = mask_card(i["normalized"])
        columns = ["campaign", "size", "representative", "representative_id", "ids", "indicators", "score_min",
                   "score_max", "risky", "first_id", "last_id", "first_seen", "last_seen"]
        _write_table(records, columns, output, out_format)
    click.echo(f"adrisk: rows read {summary.read}, scored {summary.scored}, rejected {summary.rejected}; "
               f"{_count(len(records), 'campaign')} of {min_size}+ texts (threshold {threshold})", err=True)
    if summary.rejected:
        raise click.exceptions.Exit(1)


_written = False  # set by `score` once every file it writes is complete and closed


def _terminated(signum, frame):
    raise KeyboardInterrupt  # unwinds as Ctrl-C does: no half-written output is left, and the exit says so


def main():
    """The `adrisk` command. SIGTERM stops it as Ctrl-C does (`serve` installs uvicorn's own handlers). After a
    local `score` the process ends without taking the interpreter apart (freeing the model, the token table and
    the result cache object by object: 20 ms of a 1.3 s run); every output is complete and closed by then, and
    only the standard streams are left to flush."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except SystemExit as e:
        if not _written or not (e.code is None or isinstance(e.code, int)):
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(e.code or 0)
