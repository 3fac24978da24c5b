"""学员账户管理: the learner accounts an institution keeps."""
