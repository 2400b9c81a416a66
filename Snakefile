# posart: find, trace and remove positional artefacts in transformer hidden states.
# The DAG reads top-down as the science: data -> encode -> outliers -> post-processing ->
# geometry and tasks -> paper tables and figures. All maths lives in src/posart.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# The workflow imports the package from this checkout, and so do its jobs: Snakemake only
# appends the scripts folder to a script's sys.path, after any installed posart, so jobs get
# this checkout's src first on PYTHONPATH (and refuse to run with another copy: posart.checkout).
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from posart import checkout, writable
from posart.config import DEFAULT_FILE, load as load_config

checkout.pin_jobs(os.path.join(workflow.basedir, "src"))

# A named config (--configfile) describes the whole run; config.yaml, the demo, is read only
# when none is given; --config overrides come last. Validated with every schema default
# filled and cross-checked once, before the DAG is built (posart.config).
_loaded = load_config(
    workflow.config_settings.configfiles or [DEFAULT_FILE],
    dict(workflow.config_settings.config),
    schema_path=os.path.join(workflow.basedir, "schemas", "config.schema.yaml"),
)
config.clear()
config.update(_loaded)


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/pretrain.smk"
include: "rules/identity.smk"
include: "rules/encode.smk"
include: "rules/outliers.smk"
include: "rules/origin.smk"
include: "rules/probe.smk"
include: "rules/postprocess.smk"
include: "rules/geometry.smk"
include: "rules/tasks.smk"
include: "rules/wsd.smk"
include: "rules/grammar.smk"
include: "rules/paper.smk"
include: "rules/jobs.smk"


rule all:
    default_target: True
    input:
        all_targets(),
        get_probe_layer_files,


# Every directory the jobs about to run write into is checked once, before the first job:
# an unwritable results folder is then one clear error, not a failure midway (posart.writable).
onstart:
    writable.require(path for job in workflow.dag.needrun_jobs() for path in [*job.output, *job.log])
