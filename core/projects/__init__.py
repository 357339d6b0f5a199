"""Projects: the folders artifacts are deployed into, and the cycle collection → project → collection.

Owns the project registry, where a deployed copy lives (`<project>/.claude/…`, nothing
followed out of the project), the drift state of each deployment (three hashes; reading
writes nothing), deploy, push, restore, and what Sync now does with deployments
(record edits found in project copies, update outdated ones when asked). Builds on
workspace, history, store, atomic and content (docs/projects.md).
"""
from core.projects.checking import DeploymentCheck, check_deployments
from core.projects.deploy import DeployResult, DeployStrategy, deploy
from core.projects.drift import DeploymentState, DeploymentStatus, classify_deployment, deployment_states
from core.projects.merging import DeploymentMerge, MergeDirection, merge_deployment
from core.projects.placement import project_copy_path
from core.projects.push import PushResult, PushStrategy, push
from core.projects.registry import add_project, get_project, list_projects, remove_project
from core.projects.restore import RestoreResult, restore
from core.projects.undeploy import UndeployResult, undeploy
from core.projects.many import EachOutcome, ManyOutcome, deploy_each, undeploy_each

__all__ = [
    "DeploymentCheck", "check_deployments", "DeployResult", "DeployStrategy", "deploy",
    "DeploymentState", "DeploymentStatus", "classify_deployment", "deployment_states", "project_copy_path",
    "PushResult", "PushStrategy", "push", "add_project", "get_project", "list_projects", "remove_project",
    "RestoreResult", "restore", "DeploymentMerge", "MergeDirection", "merge_deployment",
    "UndeployResult", "undeploy", "EachOutcome", "ManyOutcome", "deploy_each", "undeploy_each",
]
